// Mixed load with end-to-end latency: an open-loop publisher at a fixed rate stamps each message with the send time;
// long-poll (or WebSocket) subscribers in one group measure now − stamp on delivery. Publisher and subscriber run in
// two child processes (loadtest/clients/mixed-process.ts): in one Node process a stall of either inflated both sides.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from '../lib/stats.js';
import type { PublisherOptions, PublisherResult } from './mixed-publisher.js';
import { publisherPool } from './mixed-publisher.js';
import type { FinishRequest, LoopDelay } from './mixed-process.js';
import type { SubscribeMode, SubscriberOptions, SubscriberResult } from './mixed-subscriber.js';

const MIXED_PROCESS = fileURLToPath(new URL('./mixed-process.js', import.meta.url));

export interface MixedOptions {
  pubUrl: string;
  subUrl: string;
  appid: string;
  pubkey: string;
  subkey: string;
  /** A fresh topic per run is best: the subscriber group starts at the oldest message. */
  topic: string;
  ver: string;
  group: string;
  /** Offered publish rate, messages/s (open loop: late responses do not slow the schedule). */
  rate: number;
  seconds: number;
  /** Message size in bytes (≥ 64: the stamp is a JSON prefix). */
  size: number;
  /** Concurrent long-polls (or WebSockets) of the subscriber group. */
  subscribers: number;
  mode: SubscribeMode;
  /** Messages per chunked response (mode chunked; default 100). */
  batch?: number;
  /** After publishing stops, wait this long for the last deliveries (default 3 s). */
  drainMs?: number;
  /** Partition key per message (keyed publishing); undefined = unkeyed. */
  keyed?: boolean;
  /** Diagnostics: list publishes and deliveries slower than this, ms, with their send times (`slow` in the result). */
  slowMs?: number;
}

export interface Quantiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface MixedResult {
  offeredRate: number;
  sent: number;
  published: number;
  pubErrors: number;
  firstPubError?: string;
  /** Subscribe requests that failed (status other than 200/204, broken connection); they are retried. */
  subErrors: number;
  firstSubError?: string;
  received: number;
  duplicates: number;
  lost: number;
  /** End-to-end ms: publisher's send → subscriber's receipt. */
  e2e: Quantiles;
  /** Publish request ms (201 received − send). */
  pub: { p50: number; p99: number };
  /** WebSocket only: store's timestamp → subscriber's receipt, ms (the store's clock has ms resolution). */
  storedToReceived?: Quantiles;
  /** Event-loop delay of the generator processes during the run: large values mean the generator, not the server, lagged. */
  generator: { publisher: LoopDelay; subscriber: LoopDelay };
  /** With `slowMs`: [send time (wall-clock ms), ms] of each slower publish and delivery. */
  slow?: { pub: [number, number][]; e2e: [number, number][] };
}

const quantiles = (sorted: number[]): Quantiles => ({
  p50: quantileSorted(sorted, 0.5),
  p99: quantileSorted(sorted, 0.99),
  p999: quantileSorted(sorted, 0.999),
  max: sorted[sorted.length - 1] ?? NaN,
});

export async function runMixed(o: MixedOptions): Promise<MixedResult> {
  const drainMs = o.drainMs ?? 3000;
  // The topic must exist before the group subscribes (the first publish creates it in demo mode).
  const creator = publisherPool(o);
  try {
    await creator.publish(-1);
  } finally {
    creator.close();
  }
  const subOpts: SubscriberOptions = { subUrl: o.subUrl, appid: o.appid, subkey: o.subkey, topic: o.topic, ver: o.ver, group: o.group, subscribers: o.subscribers, mode: o.mode, batch: o.batch, slowMs: o.slowMs };
  const sub = startChild('sub', subOpts);
  let pub: ReturnType<typeof startChild> | undefined;
  try {
    await sub.next();
    const pubOpts: PublisherOptions = { pubUrl: o.pubUrl, appid: o.appid, pubkey: o.pubkey, topic: o.topic, ver: o.ver, rate: o.rate, seconds: o.seconds, size: o.size, keyed: o.keyed, abandonAfterMs: drainMs + 5000, slowMs: o.slowMs };
    pub = startChild('pub', pubOpts);
    const p = (await pub.next()) as { result: PublisherResult; eld: LoopDelay };
    const finish: FinishRequest = { expected: p.result.published, drainMs };
    sub.child.stdin!.end(`${JSON.stringify(finish)}\n`);
    const s = (await sub.next()) as { result: SubscriberResult; eld: LoopDelay };
    const { result: pr } = p;
    const { result: sr } = s;
    return {
      offeredRate: o.rate,
      sent: pr.sent,
      published: pr.published,
      pubErrors: pr.pubErrors,
      firstPubError: pr.firstPubError,
      subErrors: sr.errors,
      ...(sr.firstError !== undefined ? { firstSubError: sr.firstError } : {}),
      received: sr.received,
      duplicates: sr.duplicates,
      lost: Math.max(0, pr.published - sr.received),
      e2e: quantiles(sr.e2e),
      pub: { p50: quantileSorted(pr.latencies, 0.5), p99: quantileSorted(pr.latencies, 0.99) },
      ...(sr.storedToReceived.length ? { storedToReceived: quantiles(sr.storedToReceived) } : {}),
      generator: { publisher: p.eld, subscriber: s.eld },
      ...(o.slowMs !== undefined ? { slow: { pub: pr.slow ?? [], e2e: sr.slow ?? [] } } : {}),
    };
  } finally {
    sub.child.kill();
    pub?.child.kill();
  }
}

/** A generator child; `next()` resolves with its next JSON stdout line, rejects if it exits first. */
function startChild(role: 'pub' | 'sub', options: PublisherOptions | SubscriberOptions): { child: ChildProcess; next(): Promise<unknown> } {
  const child = spawn(process.execPath, [MIXED_PROCESS, role, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines: string[] = [];
  const waiting: Array<{ resolve(l: string): void; reject(e: Error): void }> = [];
  let exited: Error | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w.resolve(l);
    else lines.push(l);
  });
  // 'close', not 'exit': it comes after the last stdout line was read.
  child.once('close', (code, signal) => {
    exited = new Error(`mixed ${role} process exited (${code ?? signal}): ${stderr.trim()}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  return {
    child,
    async next() {
      const line =
        lines.shift() ??
        (await new Promise<string>((resolve, reject) => (exited ? reject(exited) : waiting.push({ resolve, reject }))));
      return JSON.parse(line) as unknown;
    },
  };
}
