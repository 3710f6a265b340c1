// Kafka for `npm run bench`: brings the loopback broker up (scripts/infra.ts) and measures the direct-producer anchor
// with loadtest/bench-kafka.ts (kafkajs, acks=all, 100 B), so the gateway's Kafka store is judged against it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INFRA = fileURLToPath(new URL('../../scripts/infra.js', import.meta.url));
const BENCH_KAFKA = fileURLToPath(new URL('../bench-kafka.js', import.meta.url));

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/** `node dist/scripts/infra.js up kafka`: reuses a running broker or starts one; returns host:port. */
export async function ensureKafka(): Promise<string> {
  const r = await run([INFRA, 'up', 'kafka'], 300_000);
  const m = /^kafka\s+\S+\s+(\S+:\d+)/m.exec(r.out);
  if (r.code !== 0 || !m) throw new Error(`infra up kafka failed (${r.code}): ${r.out}${r.err}`.slice(0, 2000));
  return m[1]!;
}

export interface KafkaAnchor {
  /** kafkajs producer, one message per send, 64 sends in flight: msgs/s and client CPU µs/msg. */
  single?: { msgsPerSec: number; clientCpuUsPerMsg: number };
  /** kafkajs producer, batches of 100, 8 sends in flight. */
  batch100?: { msgsPerSec: number; clientCpuUsPerMsg: number };
  raw: Record<string, { msgsPerSec: number; clientCpuUsPerMsg: number }>;
}

/** The kafkajs configs the gateway's publish rows are judged against (`single` and `batch100` below). */
export const ANCHOR_CONFIGS = ['kafkajs single (64 in flight)', 'kafkajs batch100 (8 in flight)'];

/** Runs bench-kafka's kafkajs configs (all of them, or `only` these) against `brokers` and reads its JSON summary line. */
export async function measureKafkaAnchor(brokers: string, seconds: number, rounds: number, only: readonly string[] = ['kafkajs']): Promise<KafkaAnchor> {
  const r = await run([BENCH_KAFKA, '--brokers', brokers, '--seconds', String(seconds), '--rounds', String(rounds), '--only', only.join(',')], 300_000);
  const line = r.out.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) throw new Error(`bench-kafka failed (${r.code}): ${r.err.slice(-1500)}`);
  const raw = JSON.parse(line) as KafkaAnchor['raw'];
  const pick = (name: string): KafkaAnchor['single'] => {
    const v = raw[name];
    return v ? { msgsPerSec: v.msgsPerSec, clientCpuUsPerMsg: v.clientCpuUsPerMsg } : undefined;
  };
  return { single: pick(ANCHOR_CONFIGS[0]!), batch100: pick(ANCHOR_CONFIGS[1]!), raw };
}
