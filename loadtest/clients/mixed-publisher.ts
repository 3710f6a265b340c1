// The publisher half of the mixed scenario: open loop at a fixed rate, each body stamped with its send time.
import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { nowMs } from './wall-clock.js';

export interface PublisherOptions {
  pubUrl: string;
  appid: string;
  pubkey: string;
  topic: string;
  ver: string;
  /** Offered publish rate, messages/s (open loop: late responses do not slow the schedule). */
  rate: number;
  seconds: number;
  /** Message size in bytes (≥ 64: the stamp is a JSON prefix). */
  size: number;
  /** Partition key per message (keyed publishing). */
  keyed?: boolean;
  /** Publishes still unanswered this long after the schedule ends are abandoned and counted as errors, ms. */
  abandonAfterMs: number;
}

export interface PublisherResult {
  sent: number;
  published: number;
  pubErrors: number;
  firstPubError?: string;
  /** Publish request ms (201 received − send), sorted. */
  latencies: number[];
}

/** A body `{"t":<send ms>,"i":<n>}` padded with spaces to `size` bytes; the subscriber parses the prefix. */
const stampedBody = (i: number, size: number, t = nowMs()): string => {
  const s = `{"t":${t.toFixed(3)},"i":${i}}`;
  return s.length >= size ? s : s + ' '.repeat(size - s.length);
};

/** One publisher connection pool; `publish(i)` resolves with the request's latency in ms or rejects. */
export function publisherPool(o: Pick<PublisherOptions, 'pubUrl' | 'appid' | 'pubkey' | 'topic' | 'ver' | 'size' | 'keyed'>, signal?: AbortSignal) {
  // Bounded waits: a wedged server must end the run with errors, not hang it.
  const pool = new Pool(o.pubUrl, { connections: 256, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const path = `/v1/msgs/${o.topic}/${o.ver}`;
  const headers = { Appid: o.appid, Pubkey: o.pubkey, 'Content-Type': 'application/octet-stream' };
  return {
    async publish(i: number): Promise<number> {
      const t = nowMs();
      const r = await pool.request({ method: 'POST', path: o.keyed ? `${path}?key=k${i % 1000}` : path, headers, body: stampedBody(i, o.size, t), signal });
      const text = await r.body.text();
      if (r.statusCode !== 201) throw new Error(`publish ${r.statusCode}: ${text.slice(0, 200)}`);
      return nowMs() - t;
    },
    close: (): Promise<void> => pool.destroy(),
  };
}

export async function runPublisher(o: PublisherOptions): Promise<PublisherResult> {
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const pool = publisherPool(o, stop.signal);
  const latencies: number[] = [];
  let sent = 0;
  let published = 0;
  let pubErrors = 0;
  let firstPubError: string | undefined;
  const inflight = new Set<Promise<void>>();
  const total = Math.round(o.rate * o.seconds);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    // Each tick sends what the schedule says is due by now: a late tick catches up instead of lowering the rate.
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1);
      while (sent < due) {
        const p = pool.publish(sent++).then(
          (ms) => {
            published++;
            latencies.push(ms);
          },
          (e: unknown) => {
            pubErrors++;
            firstPubError ??= e instanceof Error ? e.message : String(e);
          },
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const bound = setTimeout(() => stop.abort(new Error('no answer within the bound after the schedule ended')), o.abandonAfterMs);
  await Promise.all(inflight);
  clearTimeout(bound);
  await pool.close().catch(() => undefined);
  latencies.sort((a, b) => a - b);
  return { sent, published, pubErrors, firstPubError, latencies };
}
