// The mixed scenario alone (publish at a fixed rate while one group subscribes; end-to-end latency), on fresh stacks
// of gateway + kateway proxy per store, in alternating rounds: the short run to measure a latency change with.
//
// Usage: node dist/loadtest/bench-mixed.js [--stores memory,sqlite,kafka] [--paths direct,proxy]
//   [--modes longpoll,chunked,ws] [--rate 1000] [--seconds 5] [--rounds 1] [--proxy-workers 2]
//   [--probe] [--cpu-prof DIR]
// The subscriber groups are npm run bench's (MIXED_SUBSCRIBERS). Prints one line per run (with the 1-minute load
// average and each process's CPU per message, the Kafka broker's too on the kafka store) and a JSON line per run. Writes no docs.
// --probe: every process of the run (gateway, proxy, publisher, subscriber) records its event-loop stalls and GC
// pauses (loadtest/lib/stall-probe.ts); after each store, each run lists which processes paused while its slow
// (> 20 ms) messages were on their way. --cpu-prof DIR: the gateway and the proxy write V8 CPU profiles there (summarise
// with loadtest/lib/cpu-profile.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMixed, type MixedResult } from './clients/e2e-latency.js';
import type { SubscribeMode } from './clients/mixed-subscriber.js';
import { mixedRun } from './lib/bench-scenarios.js';
import { startStack } from './lib/bench-stack.js';
import { ensureKafka } from './lib/kafka-anchor.js';
import type { StoreKind } from './lib/kateway-process.js';
import { alternatingRounds, type Cell } from './lib/rounds.js';
import { listeningPid } from './lib/listening-pid.js';
import { summariseMixed } from './lib/mixed-summary.js';
import { treeCpuUs } from './lib/proc-cpu.js';
import { fmt } from './lib/stats.js';
import { readProbes, stallsInWindow } from './lib/stall-report.js';

const PROBE = fileURLToPath(new URL('./lib/stall-probe.js', import.meta.url));
/** A message slower than this counts as slow for --probe, ms (the issue's p99 target). */
const SLOW_MS = 20;

const RUN = Date.now().toString(36);
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

function options() {
  const { values: v } = parseArgs({
    options: {
      stores: { type: 'string', default: 'memory,sqlite,kafka' },
      paths: { type: 'string', default: 'proxy' },
      modes: { type: 'string', default: 'longpoll,chunked,ws' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '1' },
      'proxy-workers': { type: 'string', default: String(cpus().length) },
      probe: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  return {
    stores: list(v.stores!) as StoreKind[],
    paths: list(v.paths!) as ('direct' | 'proxy')[],
    modes: list(v.modes!) as SubscribeMode[],
    rate: Number(v.rate),
    seconds: Number(v.seconds),
    rounds: Number(v.rounds),
    proxyWorkers: Number(v['proxy-workers']),
    probe: v.probe!,
    cpuProf: v['cpu-prof'],
  };
}

/** CPU µs per published message of each process: gateway, proxy tree (proxy path), Kafka broker (kafka store), publisher, subscriber. */
type Cpu = Record<string, number>;

const line = (id: string, r: MixedResult, load: number, cpu: Cpu): string =>
  `${id.padEnd(28)} e2e p50 ${fmt(r.e2e.p50, 2)} p99 ${fmt(r.e2e.p99, 2)} p999 ${fmt(r.e2e.p999, 2)} max ${fmt(r.e2e.max, 1)} ms | ` +
  `pub p50 ${fmt(r.pub.p50, 2)} p99 ${fmt(r.pub.p99, 2)} | delivered ${r.received}/${r.published} dup ${r.duplicates} err ${r.pubErrors} sub err ${r.subErrors} | ` +
  `gen delay p99 ${fmt(r.generator.publisher.p99, 1)}/${fmt(r.generator.subscriber.p99, 1)} | load ${fmt(load, 2)} | ` +
  `CPU µs/msg ${Object.entries(cpu).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`;

async function main(): Promise<void> {
  const o = options();
  const dir = mkdtempSync(join(tmpdir(), 'kateway-mixed-'));
  const kafka = o.stores.includes('kafka') ? await ensureKafka() : undefined;
  // The broker's CPU belongs to the Kafka store's cost per message (it is about the gateway's); it is the shared
  // broker, so whatever else uses it during a run is counted too.
  const brokerPid = kafka ? listeningPid(Number(kafka.slice(kafka.lastIndexOf(':') + 1))) : undefined;
  if (o.probe) {
    // Inherited by every child process: the stack's servers (and the proxy's cluster workers), the generators.
    process.env['STALL_PROBE_DIR'] = mkdtempSync(join(dir, 'probe-'));
    process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import=${PROBE}`.trim();
  }
  let seq = 0;
  try {
    for (const store of o.stores) {
      const prof = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : undefined;
      const stack = await startStack({ store, sqlitePath: join(dir, `${store}.db`), kafka, partitions: 8, paths: o.paths, proxyWorkers: o.proxyWorkers, gatewayNodeFlags: prof, proxyNodeFlags: prof });
      const windows: { id: string; round: number; from: number; to: number; r: MixedResult; cpu: Cpu }[] = [];
      try {
        const cells: Cell<MixedResult>[] = [];
        for (const path of o.paths) {
          const front = stack.fronts[path];
          if (!front) throw new Error(`${path}: ${stack.notes.join('; ')}`);
          for (const mode of o.modes) {
            const run = async (seconds: number): Promise<MixedResult> => {
              const from = Date.now();
              const pids = store === 'kafka' && brokerPid !== undefined ? [...front.pids, brokerPid] : front.pids;
              const before = pids.map(treeCpuUs);
              const r = await runMixed(
                mixedRun(front, mode, { topic: `mix${RUN}${++seq}`, group: `${RUN}m${seq}`, rate: o.rate, seconds, ...(o.probe ? { slowMs: SLOW_MS } : {}) }),
              );
              const perMsg = (us: number): number => us / Math.max(1, r.published);
              const used = pids.map((p, i) => perMsg(treeCpuUs(p) - before[i]!));
              const [gw, proxy] = used;
              const broker = pids.length > front.pids.length ? used[used.length - 1] : undefined;
              const cpu: Cpu = {
                gateway: gw!,
                ...(front.pids.length > 1 ? { proxy: proxy! } : {}),
                ...(broker !== undefined ? { broker } : {}),
                pub: perMsg(r.generator.publisher.cpuMs * 1000),
                sub: perMsg(r.generator.subscriber.cpuMs * 1000),
              };
              windows.push({ id: `${store}|${path}|${mode}`, round: 0, from, to: Date.now(), r, cpu });
              return r;
            };
            cells.push({ id: `${store}|${path}|${mode}`, run, warm: () => run(1) });
          }
        }
        const samples = await alternatingRounds(cells, {
          rounds: o.rounds,
          seconds: o.seconds,
          warmSeconds: 1,
          onSample: (id, round, r) => {
            const w = windows[windows.length - 1]!;
            w.round = round;
            const load = loadavg()[0]!;
            process.stdout.write(`r${round} ${line(id, r, load, w.cpu)}\n${JSON.stringify({ id, round, load, cpu: w.cpu, result: r })}\n`);
          },
          onError: (id, round, e) => process.stdout.write(`r${round} ${id}: ERROR ${e instanceof Error ? e.message : String(e)}\n`),
        });
        for (const [id, rs] of samples) {
          const m = summariseMixed(rs);
          process.stdout.write(`${id.padEnd(28)} median of ${m.rounds}: e2e p99 ${fmt(m.p99, 2)} (${m.p99PerRound.map((p) => fmt(p, 1)).join(' · ')}) p50 ${fmt(m.p50, 2)} ms, lost ${m.lost}\n`);
        }
      } finally {
        await stack.stop();
      }
      if (o.probe) reportStalls(windows);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For each measured run: the processes that paused while its slow publishes / deliveries were on their way. */
function reportStalls(windows: readonly { id: string; round: number; from: number; to: number; r: MixedResult }[]): void {
  const probes = readProbes(process.env['STALL_PROBE_DIR']!);
  for (const w of windows.filter((x) => x.round > 0)) {
    const slow = w.r.slow ?? { pub: [], e2e: [] };
    process.stdout.write(`r${w.round} ${w.id}: ${slow.e2e.length} deliveries and ${slow.pub.length} publishes slower than ${SLOW_MS} ms\n`);
    for (const s of stallsInWindow(probes, w.from, w.to, slow.e2e)) {
      process.stdout.write(
        `    ${s.name.padEnd(36)} stalls ${s.stalls.count} (total ${s.stalls.totalMs}, max ${s.stalls.maxMs} ms, CPU used meanwhile ${fmt(s.stalls.cpuMs)} ms), ` +
          `GC ≥ 1 ms ${s.gc.count} (total ${s.gc.totalMs}, max ${s.gc.maxMs} ms); overlaps ${s.overlapPct} % of the slow deliveries\n`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench-mixed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
