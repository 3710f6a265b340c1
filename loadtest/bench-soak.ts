// `node dist/loadtest/bench-soak.js [--seconds 300]`: the soak alone (also `npm run bench -- --soak 300`): constant mixed
// load through the kateway proxy, heap snapshots of the gateway and proxy before and after; writes its own section.
//
// Usage: node dist/loadtest/bench-soak.js [--seconds 300] [--rate 500] [--store sqlite|memory] [--proxy-workers 2] [--no-write]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeJsonKey, writeMdSection } from './lib/bench-docs.js';
import type { StoreKind } from './lib/kateway-process.js';
import { machineInfo, machineLine } from './lib/machine.js';
import { runSoak, type SoakResult } from './lib/soak.js';
import { soakLines } from './lib/soak-report.js';
import { fmt } from './lib/stats.js';

function render(r: SoakResult, m: ReturnType<typeof machineInfo>): string {
  return [
    `## Soak (\`node dist/loadtest/bench-soak.js --seconds ${r.seconds}\`)`,
    '',
    `Run ${m.date}. Machine: ${machineLine(m)}.`,
    '',
    `Method: ${fmt(r.rate)} msgs/s of 100 B published through the ${r.path === 'proxy' ? 'kateway proxy' : 'gateway directly'} (open loop) ` +
      `and consumed by one group of 64 long-polls, on the ${r.store} store: 20 s of warm-up, a heap snapshot of every process ` +
      `(a snapshot runs a full GC first, so it measures live objects), ${r.seconds} s of the same load, snapshots again. ` +
      'Growth under 10 % (or 5 MB) passes.',
    '',
    ...soakLines(r),
    '',
    `Verdict: ${r.ok ? 'no heap growth (met)' : '**heap grew (missed)**'}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      seconds: { type: 'string', default: '300' },
      rate: { type: 'string', default: '500' },
      store: { type: 'string', default: 'sqlite' },
      'proxy-workers': { type: 'string', default: String(cpus().length) },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const machine = machineInfo();
  const dir = mkdtempSync(join(tmpdir(), 'kateway-soak-db-'));
  try {
    const r = await runSoak({
      seconds: Number(v.seconds),
      rate: Number(v.rate),
      store: v.store as StoreKind,
      sqlitePath: join(dir, 'soak.db'),
      proxyWorkers: Number(v['proxy-workers']),
      log: (s) => void process.stderr.write(s + '\n'),
    });
    machine.load1.push(Number(loadavg()[0]!.toFixed(2)));
    const md = render(r, machine);
    process.stdout.write(md + '\n');
    if (!v['no-write']) {
      writeMdSection('bench:soak', md);
      writeJsonKey('bench:soak', { machine, ...r });
      process.stderr.write('wrote docs/BENCHMARKS.md (section bench:soak) and docs/benchmarks.json (key bench:soak)\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench-soak: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
