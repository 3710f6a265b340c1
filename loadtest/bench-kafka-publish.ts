// The Kafka publish slice of `npm run bench`, short enough for A/B work: the kafkajs anchor, then gateway publish
// (single 100 B, batch of 100) with each producer library in alternating rounds, then the anchor again; one run.
//
// Usage: node dist/loadtest/bench-kafka-publish.js [--seconds 2] [--rounds 3] [--producers platformatic,kafkajs]
// Method as `npm run bench` (kafka store, direct path): wrk -c64, 8 partitions, unpinned, 100 B values; the anchor is
// loadtest/bench-kafka.ts's kafkajs producer (single: 64 sends in flight; batch100: 8 in flight), acks=all.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ANCHOR_CONFIGS, ensureKafka, measureKafkaAnchor, type KafkaAnchor } from './lib/kafka-anchor.js';
import { startGatewayProcess, type GatewayProcess } from './lib/kateway-process.js';
import { measureWrk, type WrkSample } from './lib/measure.js';
import { prefill } from './lib/prefill.js';
import { alternatingRounds, type Cell } from './lib/rounds.js';
import { fmt, median } from './lib/stats.js';
import { postScript } from './lib/wrk-scripts.js';

const APP = { appid: 'demo', key: 'demo' };
const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      seconds: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      producers: { type: 'string', default: 'platformatic,kafkajs' },
    },
  });
  const seconds = Number(a.seconds);
  const rounds = Number(a.rounds);
  const producers = a.producers!.split(',').filter(Boolean);
  const load = [loadavg()[0]!];
  const brokers = await ensureKafka();
  log(`kafka ${brokers}; anchor (kafkajs) ...`);
  const anchors: KafkaAnchor[] = [await measureKafkaAnchor(brokers, seconds, rounds, ANCHOR_CONFIGS)];
  // Kafka keeps topics between runs: a fresh one per run, created before 64 connections race to create it.
  const topic = `kpub${Date.now().toString(36)}`;
  const gateways = new Map<string, GatewayProcess>();
  let samples: Map<string, WrkSample[]>;
  try {
    for (const p of producers) {
      const gw = await startGatewayProcess({ store: 'kafka', kafka: brokers, partitions: 8, extra: ['--kafka-producer', p] });
      gateways.set(p, gw);
      await prefill({ pubUrl: gw.pubUrl, topic, appid: APP.appid, key: APP.key, messages: 1, size: 100 });
    }
    const cells: Cell<WrkSample>[] = [];
    for (const [p, gw] of gateways) {
      for (const batch of [1, 100]) {
        const path = `/v1/msgs/${topic}/v1${batch > 1 ? '?batch=1' : ''}`;
        const script = postScript({ size: 100, batch, path, headers: { Appid: APP.appid, Pubkey: APP.key } });
        cells.push({ id: `${p}|${batch}`, run: (s) => measureWrk({ url: gw.pubUrl + path, script, seconds: s, connections: 64 }, [gw.pid]) });
      }
    }
    samples = await alternatingRounds(cells, {
      rounds,
      seconds,
      warmSeconds: 1,
      onSample: (id, r, s) => log(`r${r} ${id.padEnd(16)} ${fmt(s.rps).padStart(7)} req/s  ${fmt(s.cpuUsPerReq[0]!, 1)} µs/req${s.bad ? `  BAD: ${s.badDetail}` : ''}`),
      onError: (id, r, e) => log(`r${r} ${id}: ERROR ${e instanceof Error ? e.message : String(e)}`),
    });
  } finally {
    await Promise.all([...gateways.values()].map((g) => g.stop()));
  }
  log('anchor (kafkajs) again ...');
  anchors.push(await measureKafkaAnchor(brokers, seconds, rounds, ANCHOR_CONFIGS));
  load.push(loadavg()[0]!);

  const anchorOf = (batch: number): number[] => anchors.map((x) => (batch > 1 ? x.batch100 : x.single)?.msgsPerSec ?? NaN);
  const out = [
    `Kafka publish slice: ${rounds} alternating rounds of ${seconds} s, load average ${load.map((l) => fmt(l, 1)).join(' → ')}`,
    '',
    '| gateway producer | publish | msgs/s median (rounds) | gateway CPU µs/msg | bad runs | kafkajs anchor msgs/s (before, after) | gateway ÷ anchor |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [id, ss] of samples) {
    const [p, b] = id.split('|') as [string, string];
    const batch = Number(b);
    const msgs = ss.map((s) => s.rps * batch);
    const anchor = anchorOf(batch);
    const ref = (anchor[0]! + anchor[1]!) / 2;
    out.push(
      `| ${p} | ${batch > 1 ? 'batch of 100' : 'single'} | **${fmt(median(msgs))}** (${msgs.map((m) => fmt(m)).join(', ')}) | ` +
        `${fmt(median(ss.map((s) => s.cpuUsPerReq[0]!)) / batch, 1)} | ${ss.filter((s) => s.bad).length} | ` +
        `${anchor.map((x) => fmt(x)).join(', ')} | **${fmt(median(msgs) / ref, 2)}×** |`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench-kafka-publish: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
