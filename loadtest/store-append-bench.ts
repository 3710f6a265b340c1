// Quick append-throughput measurement of the local stores (not a test): rows/s for 64 concurrent single-message
// callers (SQLite group commit) and for batches of 100, memory vs SQLite NORMAL vs SQLite FULL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { MemoryStore } from '../gateway/store/memory/memory-store.js';
import { SqliteStore } from '../gateway/store/sqlite/sqlite-store.js';
import type { OutgoingMessage, Store } from '../gateway/store/store.js';

/**
 * Usage: node dist/loadtest/store-append-bench.js [--seconds 3] [--rounds 3] [--only sqlite-normal,raw-tx100]
 * Each cell: `callers` loops, each awaiting one append of `batch` messages of 100 bytes before the next,
 * for `seconds`; rounds alternate the store order; cells print the median (min–max) of rows/s and the
 * process CPU µs per row. SQLite cells also print messages per transaction (group commit at work).
 */
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

interface Cell {
  /** `raw-*`: the limits.md 1e anchor loop (bare better-sqlite3, table msgs(topic,part,payload)), for ratios. */
  store: 'memory' | 'sqlite-normal' | 'sqlite-full' | 'raw-autocommit' | 'raw-tx100';
  callers: number;
  batch: number;
}
interface Sample {
  rowsPerSec: number;
  cpuUsPerRow: number;
  rowsPerTx: number;
}

const cells: Cell[] = [];
for (const store of ['memory', 'sqlite-normal', 'sqlite-full'] as const) {
  cells.push({ store, callers: 64, batch: 1 }, { store, callers: 1, batch: 100 }, { store, callers: 64, batch: 100 });
}

cells.push({ store: 'raw-autocommit', callers: 1, batch: 1 }, { store: 'raw-tx100', callers: 1, batch: 100 });
/** `--only`: the stores to measure (comma separated), to keep an A/B run short. */
const only = values.only?.split(',');
if (only) cells.splice(0, cells.length, ...cells.filter((c) => only.includes(c.store)));

const dir = mkdtempSync(join(tmpdir(), 'kateway-bench-'));

async function open(kind: 'memory' | 'sqlite-normal' | 'sqlite-full', n: number): Promise<Store> {
  if (kind === 'memory') return new MemoryStore();
  return new SqliteStore({
    path: join(dir, `bench-${n}.db`),
    synchronous: kind === 'sqlite-full' ? 'full' : 'normal',
    retentionMs: 0,
  });
}

let runNo = 0;

/** The anchor loop of limits.md 1e, measured in the same run so that the store numbers can be read as ratios. */
function runRaw(cell: Cell): Sample {
  const db = new Database(join(dir, `raw-${runNo++}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE msgs (topic TEXT, part INTEGER, payload BLOB)');
  const insert = db.prepare('INSERT INTO msgs (topic, part, payload) VALUES (?, 0, ?)');
  const tx = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run('bench', value100);
  });
  let rows = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    if (cell.batch === 1) insert.run('bench', value100);
    else tx(cell.batch);
    rows += cell.batch;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  return { rowsPerSec: rows / elapsed, cpuUsPerRow: (cpu.user + cpu.system) / rows, rowsPerTx: cell.batch };
}

const value100 = Buffer.alloc(100, 0x78);

async function run(cell: Cell): Promise<Sample> {
  if (cell.store === 'raw-autocommit' || cell.store === 'raw-tx100') return runRaw(cell);
  const store = await open(cell.store, runNo++);
  await store.createTopic('bench', { partitions: 4 });
  const batch: OutgoingMessage[] = Array.from({ length: cell.batch }, () => ({ value: value100 }));
  const txBefore = store instanceof SqliteStore ? store.writeStats.transactions : 0;
  let rows = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // A clock check, not a timer: memory appends resolve in microtasks, so a timer would never get to run.
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: cell.callers }, async () => {
      while (performance.now() < end) {
        await store.append('bench', batch);
        rows += cell.batch;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const txs = store instanceof SqliteStore ? store.writeStats.transactions - txBefore : 0;
  await store.close();
  return { rowsPerSec: rows / elapsed, cpuUsPerRow: (cpu.user + cpu.system) / rows, rowsPerTx: txs > 0 ? rows / txs : 0 };
}

const samples = new Map<Cell, Sample[]>(cells.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? cells : [...cells].reverse();
  for (const cell of order) samples.get(cell)!.push(await run(cell));
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`| store | callers × batch | rows/s median (min–max) | CPU µs/row | rows/transaction |`);
console.log(`|---|---|---|---|---|`);
for (const cell of cells) {
  const s = samples.get(cell)!;
  const rps = s.map((x) => x.rowsPerSec);
  console.log(
    `| ${cell.store} | ${cell.callers} × ${cell.batch} | **${fmt(median(rps))}** (${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}) ` +
      `| ${median(s.map((x) => x.cpuUsPerRow)).toFixed(2)} | ${cell.store === 'memory' ? '—' : median(s.map((x) => x.rowsPerTx)).toFixed(1)} |`,
  );
}
