// `npm run bench`: every scenario × path {direct, kateway proxy, HAProxy} × store {memory, sqlite, kafka}, next to
// anchors measured in the same run (bare node:http, HAProxy, a direct kafkajs producer); writes docs/BENCHMARKS.md.
//
// Usage: node dist/loadtest/bench.js [--quick] [--stores memory,sqlite,kafka] [--paths direct,proxy,haproxy]
//   [--scenarios id,…] [--seconds 2] [--rounds 3] [--proxy-workers 2] [--idle 10000] [--idle-groups 1000]
//   [--mixed-rate 1000] [--mixed-seconds 5] [--mixed-rounds 3] [--prefill N] [--budget 560] [--soak 300] [--no-memory] [--no-write]
//   [--baseline DIST] [--proxy-prof DIR]
// --baseline DIST: the kateway proxy built in DIST (another build's dist/) serves the `baseline` path in front of the
// same gateway (add `baseline` to --paths), for A/B runs. --proxy-prof DIR: the kateway proxy's processes write V8 CPU
// profiles there (summarise with loadtest/lib/cpu-profile.ts).
// See loadtest/README.md for what each row means.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMixed, type MixedResult } from './clients/e2e-latency.js';
import { runWsSubscribe } from './clients/ws-subscribe.js';
import { readJsonKey, writeJsonKey, writeMdSection } from './lib/bench-docs.js';
import { renderBench } from './lib/bench-report.js';
import { APP, BARE_ANCHORS, MIXED_ID_SUFFIX, mixedRun, PUB_TOPIC, SCENARIOS, SUB_TOPIC, bareRequest, groupNames, subPath, wrkRequest, type PathKind, type WrkScenario } from './lib/bench-scenarios.js';
import { startStack, type Front, type Stack } from './lib/bench-stack.js';
import type { BenchResult, MixedRow, WrkRow, WsRow } from './lib/bench-types.js';
import { ensureKafka, measureKafkaAnchor } from './lib/kafka-anchor.js';
import { startBareProcess, type BareProcess, type StoreKind } from './lib/kateway-process.js';
import { machineInfo } from './lib/machine.js';
import { measureWrk, type WrkSample } from './lib/measure.js';
import { mixedPlan, type MixedVariant } from './lib/mixed-plan.js';
import { runMemoryCheck } from './lib/memory-check.js';
import { prefill } from './lib/prefill.js';
import { treeCpuUs } from './lib/proc-cpu.js';
import { alternatingRounds, type Cell } from './lib/rounds.js';
import { runSoak } from './lib/soak.js';
import { fmt, median, spread } from './lib/stats.js';
import { wrkPath } from './lib/wrk.js';

const started = Date.now();
/** Prefix of this run's group and topic names: Kafka keeps topics and committed offsets between runs. */
const RUN = started.toString(36);
const log = (s: string): void => void process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${s}\n`);
const list = (s: string | undefined, all: readonly string[]): string[] => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : [...all]);

function options() {
  const { values: v } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      stores: { type: 'string' },
      paths: { type: 'string' },
      scenarios: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      'proxy-workers': { type: 'string', default: String(cpus().length) },
      idle: { type: 'string' },
      'idle-groups': { type: 'string' },
      'mixed-rate': { type: 'string', default: '1000' },
      'mixed-seconds': { type: 'string' },
      'mixed-rounds': { type: 'string', default: '3' },
      prefill: { type: 'string' },
      soak: { type: 'string' },
      'soak-rate': { type: 'string', default: '500' },
      'no-memory': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      budget: { type: 'string' },
      baseline: { type: 'string' },
      'proxy-prof': { type: 'string' },
    },
  });
  const quick = v.quick!;
  const seconds = Number(v.seconds ?? (quick ? 1 : 2));
  const idle = Number(v.idle ?? (quick ? 2000 : 10_000));
  return {
    quick,
    stores: list(v.stores, quick ? ['memory'] : ['memory', 'sqlite', 'kafka']) as StoreKind[],
    paths: list(v.paths, ['direct', 'proxy', 'haproxy']) as PathKind[],
    scenarios: SCENARIOS.filter((s) => (v.scenarios ? v.scenarios.split(',').includes(s.id) : !quick || s.quick)),
    seconds,
    // In --quick the per-cell warm-up is skipped to stay under 90 s: the first round is then the warm-up's victim.
    warmSeconds: quick ? 0 : 1,
    rounds: Number(v.rounds),
    connections: Number(v.connections),
    proxyWorkers: Number(v['proxy-workers']),
    idle,
    idleGroups: Number(v['idle-groups'] ?? Math.max(1, Math.round(idle / 10))),
    mixedRate: Number(v['mixed-rate']),
    mixedSeconds: Number(v['mixed-seconds'] ?? (quick ? 2 : 5)),
    /** Rounds of the judged mixed rows (loadtest/lib/mixed-plan.ts); --quick: 1. */
    mixedRounds: Number(v['mixed-rounds']),
    // Each subscribe run is a fresh group reading from the oldest message: the topic must outlast the fastest run.
    prefill: v.prefill ? Number(v.prefill) : quick ? 100_000 : 800_000,
    soak: v.soak ? Number(v.soak) : undefined,
    soakRate: Number(v['soak-rate']),
    memory: !v['no-memory'],
    /** Seconds after which remaining phases are skipped with a note (the soak is not counted). */
    budget: Number(v.budget ?? (quick ? 80 : 560)),
    write: !v['no-write'],
    baselineDist: v.baseline,
    proxyProf: v['proxy-prof'],
  };
}
export type BenchOptions = ReturnType<typeof options>;

/** Turns samples into a table row. */
function row(id: string, store: string, scenario: string, label: string, path: string, msgsPerReq: number, ss: WrkSample[]): WrkRow {
  const bad = ss.filter((s) => s.bad > 0);
  return {
    id,
    store,
    scenario,
    label,
    path,
    msgsPerReq,
    rps: spread(ss.map((s) => s.rps)),
    msgsPerSec: spread(ss.map((s) => s.rps * msgsPerReq)),
    p50Ms: median(ss.map((s) => s.p50Ms)),
    p99Ms: median(ss.map((s) => s.p99Ms)),
    cpuUsPerReq: {
      server: median(ss.map((s) => s.cpuUsPerReq[0]!)),
      ...(ss[0]?.cpuUsPerReq.length === 2 ? { front: median(ss.map((s) => s.cpuUsPerReq[1]!)) } : {}),
    },
    runs: ss.length,
    badRuns: bad.length,
    ...(bad.length ? { badDetail: bad[0]!.badDetail } : {}),
  };
}

async function touchGroups(s: WrkScenario, front: Front, group: string): Promise<void> {
  // Opens the group session(s) before the clock starts (Kafka readers take a moment); consumes one message each.
  await Promise.all(
    groupNames(s, group).map(async (g) => {
      const r = await fetch(front.subUrl + subPath({ ...s, msgsPerReq: 1 }, g), { headers: { Appid: APP.appid, Subkey: APP.key }, signal: AbortSignal.timeout(30_000) });
      await r.arrayBuffer();
    }),
  );
}

function storeCells(o: BenchOptions, stack: Stack, seq: { n: number }, prefilled: { n: number }): Cell<WrkSample>[] {
  const cells: Cell<WrkSample>[] = [];
  for (const s of o.scenarios) {
    for (const path of o.paths) {
      const front = stack.fronts[path];
      if (!front || (!s.allPaths && path !== 'direct')) continue;
      cells.push({
        id: `${stack.store}|${s.id}|${path}`,
        run: async (seconds) => {
          const group = `${RUN}b${++seq.n}`;
          if (s.kind === 'sub') await touchGroups(s, front, group);
          const sample = await measureWrk({ ...wrkRequest(s, front, group), seconds, connections: o.connections }, front.pids);
          const groups = s.groups ?? 1;
          if (s.kind === 'sub' && (sample.requests * s.msgsPerReq) / groups > prefilled.n * 0.95) {
            sample.bad++;
            sample.badDetail = `topic drained (${fmt(sample.requests * s.msgsPerReq)} msgs asked, ${fmt(prefilled.n)} pre-filled): a lower bound`;
          }
          return sample;
        },
      });
    }
  }
  return cells;
}

function bareCells(o: BenchOptions, bare: BareProcess): Cell<WrkSample>[] {
  return BARE_ANCHORS.filter((a) => o.scenarios.some((s) => s.anchor === a.id)).map((a) => ({
    id: `bare|${a.id}`,
    run: (seconds) => measureWrk({ ...bareRequest(a.id, bare.url), seconds, connections: o.connections }, [bare.pid]),
  }));
}

/**
 * Mixed end-to-end latency (loadtest/lib/mixed-plan.ts: the judged rows in alternating rounds, the others once), then
 * WebSocket throughput on one path (the proxy if there is one), last: it drains the pre-filled backlog.
 */
async function wsAndMixed(o: BenchOptions, stack: Stack, ws: WsRow[], mixed: MixedRow[], seq: { n: number }): Promise<void> {
  const avail = (['direct', 'proxy'] as const).filter((p) => stack.fronts[p]);
  const plan = mixedPlan(stack.store, avail, o.mixedRounds, o.quick);
  const rows = new Map<string, MixedRow>();
  const cell = ({ path, mode }: MixedVariant): Cell<MixedResult> => {
    const id = `${stack.store}|mixed-e2e${MIXED_ID_SUFFIX[mode]}|${path}`;
    rows.set(id, { id, store: stack.store, path, mode, results: [], errors: [] });
    const front = stack.fronts[path]!;
    return { id, run: (seconds) => runMixed(mixedRun(front, mode, { topic: `mix${RUN}${++seq.n}`, group: `${RUN}m${seq.n}`, rate: o.mixedRate, seconds })) };
  };
  const runRounds = (cells: Cell<MixedResult>[], n: number) =>
    alternatingRounds(cells, {
      rounds: n,
      seconds: o.mixedSeconds,
      warmSeconds: 0,
      // The wrk cells just warmed the store's gateway and proxy.
      skipWarm: true,
      onSample: (id, r, res) => {
        rows.get(id)!.results.push(res);
        log(`  r${r} ${id}: e2e p50 ${fmt(res.e2e.p50, 2)} p99 ${fmt(res.e2e.p99, 2)} p999 ${fmt(res.e2e.p999, 2)} ms, lost ${res.lost}, pub errors ${res.pubErrors}, sub errors ${res.subErrors}`);
      },
      onError: (id, r, e) => rows.get(id)!.errors.push(`round ${r}: ${e instanceof Error ? e.message : String(e)}`),
    });
  await runRounds(plan.repeated.map(cell), plan.rounds);
  await runRounds(plan.once.map(cell), 1);
  mixed.push(...rows.values());
  for (const path of avail.slice(-1)) {
    const front = stack.fronts[path]!;
    const id = `${stack.store}|sub-ws|${path}`;
    try {
      const before = front.pids.map(treeCpuUs);
      const r = await runWsSubscribe({ subUrl: front.subUrl, appid: APP.appid, subkey: APP.key, topic: SUB_TOPIC, ver: 'v1', group: `${RUN}w${++seq.n}`, connections: 4, seconds: o.seconds + 1 });
      const cpu = front.pids.map((p, i) => (r.messages ? (treeCpuUs(p) - before[i]!) / r.messages : NaN));
      ws.push({ id, store: stack.store, path, connections: 4, msgsPerSec: r.msgsPerSec, cpuUsPerMsg: { server: cpu[0]!, ...(cpu[1] !== undefined ? { front: cpu[1] } : {}) }, failed: r.failed, error: r.firstError });
      log(`  ${id}: ${fmt(r.msgsPerSec)} msgs/s${r.failed ? ` (${r.failed} sockets failed: ${r.firstError})` : ''}`);
    } catch (e) {
      ws.push({ id, store: stack.store, path, connections: 4, msgsPerSec: NaN, cpuUsPerMsg: { server: NaN }, failed: 4, error: String(e) });
    }
  }
}

/** One store: its stack, the pre-filled topic, the wrk cells in alternating rounds (with the bare anchors the first time), WS, mixed. */
async function runStore(
  o: BenchOptions,
  store: StoreKind,
  c: { dir: string; kafka: string | undefined; bare: BareProcess | undefined; seq: { n: number }; result: BenchResult; notes: string[] },
): Promise<void> {
  const { dir, kafka, bare, seq, result, notes } = c;
  log(`${store}: starting gateway, kateway proxy (${o.proxyWorkers} workers), HAProxy...`);
  const prefilled = { n: 0 };
  const stack = await startStack({
    store,
    sqlitePath: join(dir, `${store}.db`),
    kafka,
    partitions: 8,
    paths: o.paths,
    proxyWorkers: o.proxyWorkers,
    baselineDist: o.baselineDist,
    proxyNodeFlags: o.proxyProf ? ['--cpu-prof', '--cpu-prof-dir', o.proxyProf] : undefined,
  });
  for (const n of stack.notes) if (!notes.includes(n)) notes.push(n);
  try {
    // Create the publish topic before 64 connections race to create it on their first request.
    await prefill({ pubUrl: stack.gateway.pubUrl, topic: PUB_TOPIC, appid: APP.appid, key: APP.key, messages: 1, size: 100 });
    if (o.scenarios.some((s) => s.kind === 'sub')) {
      const tp = Date.now();
      const n = await prefill({ pubUrl: stack.gateway.pubUrl, topic: SUB_TOPIC, appid: APP.appid, key: APP.key, messages: o.prefill, size: 100, perRequest: 2000, maxSeconds: o.quick ? 10 : 25 });
      prefilled.n = n;
      if (n < o.prefill) notes.push(`${store}: the subscribe topic got ${fmt(n)} of ${fmt(o.prefill)} messages within the pre-fill time bound`);
      log(`  pre-filled ${fmt(n)} messages in ${fmt((Date.now() - tp) / 1000, 1)} s`);
    }
    const cells = [...storeCells(o, stack, seq, prefilled), ...(bare ? bareCells(o, bare) : [])];
    log(`  ${cells.length} cells${bare ? ' (with the bare node:http anchors)' : ''}, ${o.rounds} alternating rounds of ${o.seconds} s`);
    const samples = await alternatingRounds(cells, {
      rounds: o.rounds,
      seconds: o.seconds,
      warmSeconds: o.warmSeconds,
      skipWarm: o.warmSeconds === 0,
      onSample: (id, r, s) =>
        log(`  r${r} ${id.padEnd(30)} ${fmt(s.rps).padStart(8)} req/s  p99 ${fmt(s.p99Ms, 2).padStart(7)} ms  ${s.cpuUsPerReq.map((c) => fmt(c, 1)).join(' + ')} µs/req${s.bad ? `  BAD: ${s.badDetail}` : ''}`),
      onError: (id, r, e) => log(`  r${r} ${id}: ERROR ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
    });
    for (const [id, ss] of samples) {
      const [st, sc, path] = id.split('|') as [string, string, string?];
      if (st === 'bare') {
        const a = BARE_ANCHORS.find((x) => x.id === sc)!;
        result.wrk.push(row(id, 'bare', sc, a.label, 'direct', sc === 'get-batch100' ? 100 : sc === 'post-batch100' ? 100 : 1, ss));
      } else {
        const s = SCENARIOS.find((x) => x.id === sc)!;
        result.wrk.push(row(id, st, sc, s.label, path!, s.msgsPerReq, ss));
      }
    }
    await wsAndMixed(o, stack, result.ws, result.mixed, seq);
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const o = options();
  if (!wrkPath()) throw new Error('wrk is required for npm run bench (Debian: apt-get install wrk)');
  const t0 = Date.now();
  const machine = machineInfo();
  const notes: string[] = [
    'k6: not run by npm run bench (the table uses wrk as the reference generator). The k6 scripts in loadtest/k6/ need a k6 ' +
      'binary on PATH; it is not built here because go.k6.io/k6 is AGPL-licensed and marked not-to-use in this workplace\'s ' +
      'package list. loadtest/autocannon/ has the same scenarios in Node.',
  ];
  log(`note: ${notes[0]}`);
  const dir = mkdtempSync(join(tmpdir(), 'kateway-bench-'));
  const result: BenchResult = { machine, options: o, wallSeconds: 0, wrk: [], ws: [], mixed: [], notes };
  let kafka: string | undefined;
  if (o.stores.includes('kafka')) {
    try {
      log('kafka: node dist/scripts/infra.js up kafka ...');
      kafka = await ensureKafka();
    } catch (e) {
      notes.push(`kafka: not available: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      o.stores = o.stores.filter((s) => s !== 'kafka');
    }
  }
  // Phases in order of importance, each skipped with a note once the time budget is spent (the soak is outside it).
  // A phase is skipped when its expected length (the last store phase's, a Kafka-anchor allowance) would overrun the budget.
  const over = (phase: string, expectSeconds: number): boolean => {
    const spent = (Date.now() - t0) / 1000;
    if (spent + expectSeconds <= o.budget) return false;
    notes.push(`${phase}: skipped: ${fmt(spent)} s spent + ~${fmt(expectSeconds)} s expected would exceed the ${fmt(o.budget)} s budget (raise --budget, or run --stores ${phase.split(' ')[0]})`);
    log(`${phase}: skipped (time budget)`);
    return true;
  };
  let lastStoreSeconds = 0;
  const idleStore: StoreKind = o.stores.includes('sqlite') ? 'sqlite' : 'memory';
  if (o.memory) {
    try {
      result.memory = await runMemoryCheck({ count: o.idle, groups: o.idleGroups, store: idleStore, sqlitePath: join(dir, 'idle.db'), proxyWorkers: o.proxyWorkers, log });
    } catch (e) {
      notes.push(`memory check failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  let bare: BareProcess | undefined = await startBareProcess(undefined, 100);
  const seq = { n: 0 };
  try {
    for (const store of o.stores) {
      // The first store also measures the bare anchors: later stores take about 4/5 of its time.
      if (over(`${store} store`, lastStoreSeconds * 0.8 + (store === 'kafka' ? 30 : 0))) continue;
      const ts = Date.now();
      if (store === 'kafka' && kafka) {
        log('kafka anchor: loadtest/bench-kafka.js (kafkajs producer, acks=all, 100 B)...');
        try {
          result.kafkaAnchor = await measureKafkaAnchor(kafka, o.seconds, o.rounds);
        } catch (e) {
          notes.push(`kafka anchor failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        }
      }
      await runStore(o, store, { dir, kafka, bare, seq, result, notes });
      lastStoreSeconds = (Date.now() - ts) / 1000;
      await bare?.stop();
      bare = undefined;
    }
  } finally {
    await bare?.stop();
  }
  if (o.soak) {
    try {
      result.soak = await runSoak({ seconds: o.soak, rate: o.soakRate, store: idleStore, sqlitePath: join(dir, 'soak.db'), proxyWorkers: o.proxyWorkers, log });
    } catch (e) {
      notes.push(`soak failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  machine.load1.push(Number(loadavg()[0]!.toFixed(2)));
  result.wallSeconds = (Date.now() - t0) / 1000;
  const previous = readJsonKey<BenchResult>('bench');
  const md = renderBench(result, previous);
  process.stdout.write(md + '\n');
  if (o.write) {
    writeMdSection('bench', md);
    writeJsonKey('bench', result);
    log('wrote docs/BENCHMARKS.md (section bench) and docs/benchmarks.json (key bench)');
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
