// Profiles one gateway under wrk load (node --cpu-prof) and prints where the CPU goes: top self/total functions, areas.
//
// Usage: node dist/loadtest/profile-gateway.js [--store memory|sqlite|kafka] [--kafka host:port] [--scenario pub|sub]
//        [--batch 100] (publish a JSON array of this many messages, ?batch=1) [--seconds 10] [--top 30] [--keep]   (keeps the .cpuprofile and prints its path; open it in Chrome DevTools or speedscope)
// Placement as bench:gateway: wrk on CPU 0, the gateway on CPU 1.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile, topByTotal } from './lib/cpu-profile.js';
import { startGatewayProcess, type StoreKind } from './lib/kateway-process.js';
import { measureWrk } from './lib/measure.js';
import { prefill } from './lib/prefill.js';
import { fmt } from './lib/stats.js';
import { postScript } from './lib/wrk-scripts.js';

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      store: { type: 'string', default: 'memory' },
      kafka: { type: 'string', default: '127.0.0.1:9092' },
      batch: { type: 'string', default: '1' },
      scenario: { type: 'string', default: 'pub' },
      seconds: { type: 'string', default: '10' },
      top: { type: 'string', default: '30' },
      keep: { type: 'boolean', default: false },
    },
  });
  const seconds = Number(a.seconds);
  const dir = mkdtempSync(join(tmpdir(), 'kateway-prof-'));
  const gw = await startGatewayProcess({
    store: a.store as StoreKind,
    sqlitePath: join(dir, 'p.db'),
    ...(a.store === 'kafka' ? { kafka: a.kafka } : {}),
    core: 1,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
  });
  const batch = Number(a.batch);
  // Kafka keeps topics between runs: a fresh topic per run, like npm run bench.
  const topic = `bench${Date.now().toString(36)}`;
  let sample;
  try {
    const url =
      a.scenario === 'pub'
        ? {
            url: `${gw.pubUrl}/v1/msgs/${topic}/v1${batch > 1 ? '?batch=1' : ''}`,
            script: postScript({ size: 100, batch, headers: { Appid: 'demo', Pubkey: 'demo' } }),
          }
        : { url: `${gw.subUrl}/v1/msgs/demo/benchsub/v1?group=prof`, headers: { Appid: 'demo', Subkey: 'demo' } };
    if (a.scenario === 'sub') await prefill({ pubUrl: gw.pubUrl, topic: 'benchsub', appid: 'demo', key: 'demo', messages: 50_000 * seconds, size: 100 });
    sample = await measureWrk({ ...url, seconds, core: 0 }, [gw.pid]);
  } finally {
    await gw.stop(20_000);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}: ${gw.stderrTail()}`);
  const path = join(dir, file);
  const s = summariseProfile(path, Number(a.top));
  const out: string[] = [
    `gateway ${a.store} ${a.scenario}: ${fmt(sample.rps)} req/s, ${fmt(sample.cpuUsPerReq[0], 1)} µs CPU/req under the profiler ` +
      `(the profiler itself adds cost); profile ${fmt(s.durationMs / 1000, 1)} s, ${fmt(s.samples)} samples, idle ${fmt(s.idlePct, 1)} %`,
    '',
    'Self time by area (% of busy samples):',
    ...s.areas.slice(0, 15).map((x) => `  ${fmt(x.pct, 1).padStart(5)} %  ${x.area}`),
    '',
    'Top functions by self time (% of busy samples; total = inclusive):',
    ...s.top.map((f) => `  self ${fmt(f.selfPct, 1).padStart(5)} %  total ${fmt(f.totalPct, 1).padStart(5)} %  ${f.name}  ${f.where}`),
    '',
    'Project functions by total time:',
    ...topByTotal(path, Number(a.top), /^(gateway|shared|cli)\//).map((f) => `  total ${fmt(f.totalPct, 1).padStart(5)} %  self ${fmt(f.selfPct, 1).padStart(5)} %  ${f.name}  ${f.where}`),
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (a.keep) process.stdout.write(`profile kept: ${path}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`profile-gateway: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
