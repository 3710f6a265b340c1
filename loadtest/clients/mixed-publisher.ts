// The publisher half of the mixed scenario: open loop at a fixed rate, each body stamped with its send time.
import { KeepalivePoster } from './keepalive-poster.js';
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
  /** Diagnostics: list every publish slower than this, ms, with its send time (see `slow`). */
  slowMs?: number;
}

export interface PublisherResult {
  sent: number;
  published: number;
  pubErrors: number;
  firstPubError?: string;
  /** Publish request ms (201 received − send), sorted. */
  latencies: number[];
  /** With `slowMs`: [send time (wall-clock ms), latency ms] of each slower publish (at most 5,000). */
  slow?: [number, number][];
}

/** A body `{"t":<send ms>,"i":<n>}` padded with spaces to `size` bytes; the subscriber parses the prefix. */
const stampedBody = (i: number, size: number, t = nowMs()): string => {
  const s = `{"t":${t.toFixed(3)},"i":${i}}`;
  return s.length >= size ? s : s + ' '.repeat(size - s.length);
};

/** One publisher connection pool; `publish(i)` resolves with the request's latency in ms or rejects. */
export function publisherPool(o: Pick<PublisherOptions, 'pubUrl' | 'appid' | 'pubkey' | 'topic' | 'ver' | 'size' | 'keyed'>) {
  const poster = new KeepalivePoster(o.pubUrl, { Appid: o.appid, Pubkey: o.pubkey, 'Content-Type': 'application/octet-stream' }, 256);
  const path = `/v1/msgs/${o.topic}/${o.ver}`;
  return {
    async publish(i: number): Promise<number> {
      const t = nowMs();
      const r = await poster.post(o.keyed ? `${path}?key=k${i % 1000}` : path, stampedBody(i, o.size, t));
      if (r.status !== 201) throw new Error(`publish ${r.status}: ${r.body.slice(0, 200)}`);
      return nowMs() - t;
    },
    /** Fails what is still unanswered with `reason` and closes the connections. */
    close: (reason?: Error): void => poster.close(reason),
  };
}

const WARMUP_REQUESTS = 20;

export async function runPublisher(o: PublisherOptions): Promise<PublisherResult> {
  const pool = publisherPool(o);
  const latencies: number[] = [];
  const slow: [number, number][] = [];
  let sent = 0;
  let published = 0;
  let pubErrors = 0;
  let firstPubError: string | undefined;
  let answered = 0;
  let allAnswered: (() => void) | undefined;
  const total = Math.round(o.rate * o.seconds);
  const onAnswer = (): void => {
    if (++answered === total) allAnswered?.();
  };
  // A cold process's first requests time its own JIT and connection set-up: a few untimed ones first (a negative
  // number: the subscriber skips them).
  for (let w = 1; w <= WARMUP_REQUESTS; w++) await pool.publish(-1 - w).catch(() => undefined);
  const t0 = performance.now();
  // Each tick sends what the schedule says is due by now: a late tick catches up instead of lowering the rate.
  const tick = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1);
    while (sent < due) {
      const at = nowMs();
      pool.publish(sent++).then(
        (ms) => {
          published++;
          latencies.push(ms);
          if (o.slowMs !== undefined && ms > o.slowMs && slow.length < 5000) slow.push([at, ms]);
          onAnswer();
        },
        (e: unknown) => {
          pubErrors++;
          firstPubError ??= e instanceof Error ? e.message : String(e);
          onAnswer();
        },
      );
    }
    if (sent < total) setTimeout(tick, 1);
    else bound = setTimeout(() => pool.close(new Error('no answer within the bound after the schedule ended')), o.abandonAfterMs);
  };
  let bound: NodeJS.Timeout | undefined;
  tick();
  await new Promise<void>((resolve) => {
    allAnswered = resolve;
    if (answered === total) resolve();
  });
  clearTimeout(bound);
  pool.close();
  latencies.sort((a, b) => a - b);
  return { sent, published, pubErrors, firstPubError, latencies, ...(o.slowMs !== undefined ? { slow } : {}) };
}
