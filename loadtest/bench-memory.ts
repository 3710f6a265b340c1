// `node dist/loadtest/bench-memory.js`: the memory check of `npm run bench` alone (N idle subscribe long-polls held
// through the kateway proxy), for A/B work on the proxy's or the gateway's memory; prints one JSON line per round.
//
// Usage: node dist/loadtest/bench-memory.js [--rounds 1] [--idle 10000] [--idle-groups 1000] [--store sqlite|memory]
//   [--proxy-workers 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StoreKind } from './lib/kateway-process.js';
import { runMemoryCheck } from './lib/memory-check.js';

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      rounds: { type: 'string', default: '1' },
      idle: { type: 'string', default: '10000' },
      'idle-groups': { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      'proxy-workers': { type: 'string', default: String(cpus().length) },
    },
  });
  const count = Number(v.idle);
  const groups = Number(v['idle-groups'] ?? Math.max(1, Math.round(count / 10)));
  const log = (s: string): void => void process.stderr.write(s + '\n');
  for (let i = 0; i < Number(v.rounds); i++) {
    const dir = mkdtempSync(join(tmpdir(), 'kateway-memory-db-'));
    try {
      const r = await runMemoryCheck({ count, groups, store: v.store as StoreKind, sqlitePath: join(dir, 'idle.db'), proxyWorkers: Number(v['proxy-workers']), log });
      process.stdout.write(JSON.stringify({ round: i + 1, load1: Number(loadavg()[0]!.toFixed(2)), ...r }) + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-memory: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
