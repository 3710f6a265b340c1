// Producer throughput on one broker: kafkajs vs @platformatic/kafka, single messages and batches of 100, alternating rounds.
//
// Usage: node dist/loadtest/bench-kafka.js [--brokers host:port] [--seconds 5] [--rounds 3] [--partitions 4] [--only part,part]
// Without --brokers it starts a private broker (test/helpers/kafka-server.ts), so other work on the shared one adds no noise.
// Every send is acks=all (-1) with a 100-byte value, partitions rotated explicitly (the same for both clients);
// the KafkaStore rows show what the store's per-partition coalescing makes of the same load.
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Producer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { KafkaStore } from '../gateway/store/kafka/kafka-store.js';
import { startPrivateKafka } from '../test/helpers/kafka-server.js';
import type { PrivateServer } from '../test/helpers/private-server.js';

interface Sender {
  send(topic: string, values: Buffer[], partition: number): Promise<void>;
  close(): Promise<void>;
}

interface Config {
  name: string;
  client: 'kafkajs' | 'platformatic' | 'store';
  idempotent: boolean;
  batch: number;
  /** Sends in flight at once. */
  concurrency: number;
}

interface RoundResult {
  msgsPerSec: number;
  errors: number;
  clientCpuUsPerMsg: number;
  brokerCpuUsPerMsg: number;
  p50: number;
  p99: number;
}

const CONFIGS: Config[] = [
  { name: 'kafkajs single (64 in flight)', client: 'kafkajs', idempotent: false, batch: 1, concurrency: 64 },
  { name: 'platformatic single (64 in flight)', client: 'platformatic', idempotent: false, batch: 1, concurrency: 64 },
  { name: 'kafkajs batch100 (8 in flight)', client: 'kafkajs', idempotent: false, batch: 100, concurrency: 8 },
  { name: 'platformatic batch100 (8 in flight)', client: 'platformatic', idempotent: false, batch: 100, concurrency: 8 },
  { name: 'kafkajs single idempotent (64 in flight)', client: 'kafkajs', idempotent: true, batch: 1, concurrency: 64 },
  { name: 'platformatic single idempotent (64 in flight)', client: 'platformatic', idempotent: true, batch: 1, concurrency: 64 },
  { name: 'KafkaStore.append single (64 in flight, coalesced)', client: 'store', idempotent: false, batch: 1, concurrency: 64 },
  { name: 'KafkaStore.append single (256 in flight, coalesced)', client: 'store', idempotent: false, batch: 1, concurrency: 256 },
  { name: 'KafkaStore.append batch100 (8 in flight)', client: 'store', idempotent: false, batch: 100, concurrency: 8 },
  { name: 'kafkajs single, sequential (latency)', client: 'kafkajs', idempotent: false, batch: 1, concurrency: 1 },
  { name: 'platformatic single, sequential (latency)', client: 'platformatic', idempotent: false, batch: 1, concurrency: 1 },
];

async function kafkajsSender(brokers: string[], idempotent: boolean): Promise<Sender> {
  const kafka = new kafkajs.Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent, ...(idempotent ? { maxInFlightRequests: 1 } : {}) });
  await producer.connect();
  return {
    send: async (topic, values, partition) => {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition })) });
    },
    close: () => producer.disconnect(),
  };
}

function platformaticSender(brokers: string[], idempotent: boolean): Sender {
  // 1.35 is the last release that runs on Node 20 (2.x needs Node 22); the store produces with it too.
  const producer = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, autocreateTopics: false, idempotent });
  return {
    send: async (topic, values, partition) => {
      await producer.send({ acks: -1, messages: values.map((value) => ({ topic, value, partition })) });
    },
    close: () => producer.close(),
  };
}

/** The project's store (its default producer, with per-partition request coalescing); it picks partitions itself. */
function storeSender(brokers: string[]): Sender {
  const store = new KafkaStore({ brokers, clientId: 'bench-store' });
  return {
    send: async (topic, values) => {
      await store.append(topic, values.map((value) => ({ value })));
    },
    close: () => store.close(),
  };
}

/** utime+stime of a process in µs (clock ticks are 10 ms here: only meaningful over whole rounds). */
function procCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** The broker JVM's pid: the java process whose command line names the private broker's folder. */
function findBrokerPid(dir: string | undefined): number | undefined {
  if (!dir) return undefined;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.startsWith('java') && cmd.includes(dir) && cmd.includes('kafka.Kafka')) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function round(s: Sender, cfg: Config, topic: string, partitions: number, seconds: number, brokerPid?: number): Promise<RoundResult> {
  const value = Buffer.alloc(100, 0x78);
  const values = Array.from({ length: cfg.batch }, () => value);
  const lat: number[] = [];
  let sent = 0;
  let errors = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const b0 = procCpuUs(brokerPid);
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: cfg.concurrency }, async () => {
      while (performance.now() < end) {
        const p = next++ % partitions;
        const s0 = performance.now();
        try {
          await s.send(topic, values, p);
          lat.push(performance.now() - s0);
          sent += cfg.batch;
        } catch {
          errors++;
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    msgsPerSec: sent / wall,
    errors,
    clientCpuUsPerMsg: (cpu.user + cpu.system) / sent,
    brokerCpuUsPerMsg: (procCpuUs(brokerPid) - b0) / sent,
    p50: lat[Math.floor(lat.length / 2)] ?? 0,
    p99: lat[Math.floor(lat.length * 0.99)] ?? 0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      brokers: { type: 'string' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      partitions: { type: 'string', default: '4' },
      only: { type: 'string' },
    },
  });
  const seconds = Number(args.seconds);
  const rounds = Number(args.rounds);
  const partitions = Number(args.partitions);
  let priv: PrivateServer | undefined;
  let brokers: string[];
  if (args.brokers) brokers = args.brokers.split(',');
  else {
    process.stderr.write('starting a private Kafka broker...\n');
    priv = await startPrivateKafka();
    brokers = [priv.connectString];
  }
  const brokerPid = findBrokerPid(priv?.dir);
  // --only: comma-separated parts of config names (e.g. "kafkajs single (64,kafkajs batch100").
  const only = args.only?.split(',').filter(Boolean);
  const configs = CONFIGS.filter((c) => !only || only.some((o) => c.name.includes(o)));
  const results = new Map<string, RoundResult[]>(configs.map((c) => [c.name, []]));
  const kafka = new kafkajs.Kafka({ clientId: 'bench-admin', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench.kafka${Date.now().toString(36)}.v1`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();

  try {
    const senders = new Map<string, Sender>();
    for (const c of configs) {
      const sender =
        c.client === 'kafkajs'
          ? await kafkajsSender(brokers, c.idempotent)
          : c.client === 'platformatic'
            ? platformaticSender(brokers, c.idempotent)
            : storeSender(brokers);
      senders.set(c.name, sender);
      await round(senders.get(c.name)!, c, topic, partitions, 1, brokerPid); // warm-up: JIT, connections, metadata
    }
    // Rounds alternate direction (A B C … / … C B A / A B C …) so drift over time hits every config alike.
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...configs].reverse() : configs;
      for (const c of order) {
        const res = await round(senders.get(c.name)!, c, topic, partitions, seconds, brokerPid);
        results.get(c.name)!.push(res);
        process.stderr.write(`round ${r + 1} ${c.name}: ${fmt(res.msgsPerSec)} msg/s${res.errors ? `, ${res.errors} failed sends` : ''}\n`);
      }
    }
    for (const s of senders.values()) await s.close();
  } finally {
    await priv?.close();
  }

  const out = [
    `Kafka producer bench: 1 broker (${priv ? 'private' : brokers.join(',')}), ${partitions} partitions, acks=all, 100 B values, ` +
      `${rounds} alternating rounds of ${seconds} s, Node ${process.version}`,
    '',
    '| config | msgs/s median (min–max) | send p50 / p99 ms | client CPU µs/msg | broker CPU µs/msg | failed sends |',
    '|---|---|---|---|---|---|',
  ];
  const summary: Record<string, unknown> = {};
  for (const c of configs) {
    const rs = results.get(c.name)!;
    const m = rs.map((x) => x.msgsPerSec);
    const row = {
      msgsPerSec: median(m),
      min: Math.min(...m),
      max: Math.max(...m),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      clientCpuUsPerMsg: median(rs.map((x) => x.clientCpuUsPerMsg)),
      brokerCpuUsPerMsg: median(rs.map((x) => x.brokerCpuUsPerMsg)),
      errors: rs.reduce((n, x) => n + x.errors, 0),
    };
    summary[c.name] = row;
    out.push(
      `| ${c.name} | **${fmt(row.msgsPerSec)}** (${fmt(row.min)}–${fmt(row.max)}) | ${fmt(row.p50, 2)} / ${fmt(row.p99, 2)} | ` +
        `${fmt(row.clientCpuUsPerMsg, 1)} | ${brokerPid ? fmt(row.brokerCpuUsPerMsg, 1) : 'n/a'} | ${row.errors} |`,
    );
  }
  process.stdout.write(out.join('\n') + '\n\n' + JSON.stringify(summary) + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench-kafka: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
