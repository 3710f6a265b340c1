// Mixed load with end-to-end latency: an open-loop publisher at a fixed rate stamps each message with the send time;
// long-poll (or WebSocket) subscribers in one group measure now − stamp on delivery.
import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { quantileSorted } from '../lib/stats.js';

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
  mode: 'longpoll' | 'ws';
  /** After publishing stops, wait this long for the last deliveries (default 3 s). */
  drainMs?: number;
  /** Partition key per message (keyed publishing); undefined = unkeyed. */
  keyed?: boolean;
}

export interface MixedResult {
  offeredRate: number;
  sent: number;
  published: number;
  pubErrors: number;
  firstPubError?: string;
  received: number;
  duplicates: number;
  lost: number;
  /** End-to-end ms: publisher's send → subscriber's receipt. */
  e2e: { p50: number; p99: number; p999: number; max: number };
  /** Publish request ms (201 received − send). */
  pub: { p50: number; p99: number };
}

/** Wall-clock ms with sub-ms resolution (same clock source as Date.now(); compare across hosts only with synced clocks). */
const nowMs = (): number => performance.timeOrigin + performance.now();

export async function runMixed(o: MixedOptions): Promise<MixedResult> {
  // Bounded waits everywhere: a wedged server must end the run with errors, not hang it.
  const pubPool = new Pool(o.pubUrl, { connections: 256, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const subPool = new Pool(o.subUrl, { connections: o.subscribers + 4, pipelining: 1, bodyTimeout: 0, headersTimeout: 0 });
  const pubPath = `/v1/msgs/${o.topic}/${o.ver}`;
  const pubHeaders = { Appid: o.appid, Pubkey: o.pubkey, 'Content-Type': 'application/octet-stream' };
  const pad = (s: string): string => (s.length >= o.size ? s : s + ' '.repeat(o.size - s.length));
  // Publishes still unanswered this long after the schedule ends are abandoned (counted as errors): the run stays bounded.
  const pubStop = new AbortController();
  setMaxListeners(0, pubStop.signal);
  const publish = async (i: number): Promise<number> => {
    const t = nowMs();
    const body = pad(`{"t":${t.toFixed(3)},"i":${i}}`);
    const r = await pubPool.request({ method: 'POST', path: o.keyed ? `${pubPath}?key=k${i % 1000}` : pubPath, headers: pubHeaders, body, signal: pubStop.signal });
    const text = await r.body.text();
    if (r.statusCode !== 201) throw new Error(`publish ${r.statusCode}: ${text.slice(0, 200)}`);
    return nowMs() - t;
  };
  // The topic must exist before the group subscribes (first publish creates it in demo mode).
  await publish(-1);

  const e2e: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const runStart = nowMs();
  const onMessage = (text: string): void => {
    const m = /"t":([\d.]+),"i":(-?\d+)/.exec(text);
    if (!m) return;
    const i = Number(m[2]);
    // Skip the topic-creating message and anything an earlier run left in a reused topic (Kafka keeps topics).
    if (i < 0 || Number(m[1]) < runStart) return;
    if (seen.has(i)) duplicates++;
    else {
      seen.add(i);
      e2e.push(nowMs() - Number(m[1]));
    }
  };
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const subPath = `/v1/msgs/${o.appid}/${o.topic}/${o.ver}?group=${encodeURIComponent(o.group)}&reset=oldest`;
  const subHeaders = { Appid: o.appid, Subkey: o.subkey };
  const subscribers: Promise<void>[] = [];
  const sockets: WebSocket[] = [];
  if (o.mode === 'ws') {
    const url = `${o.subUrl.replace(/^http/, 'ws')}/v1/ws/msgs/${o.appid}/${o.topic}/${o.ver}?group=${encodeURIComponent(o.group)}`;
    for (let s = 0; s < o.subscribers; s++) {
      const ws = new WebSocket(url, { headers: subHeaders, perMessageDeflate: false });
      sockets.push(ws);
      ws.on('message', (d: Buffer) => {
        // JSON frame: {"partition":…,"value":"{\"t\":…,\"i\":…}"}: unescape the embedded quotes first.
        onMessage(d.toString().replace(/\\"/g, '"'));
      });
      subscribers.push(
        new Promise((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.on('error', (e) => reject(e));
        }),
      );
    }
    await Promise.all(subscribers.splice(0));
  } else {
    for (let s = 0; s < o.subscribers; s++) {
      subscribers.push(
        (async () => {
          while (!stop.signal.aborted) {
            try {
              const r = await subPool.request({ method: 'GET', path: subPath, headers: subHeaders, signal: stop.signal });
              const text = await r.body.text();
              if (r.statusCode === 200) onMessage(text);
              else if (r.statusCode !== 204) await new Promise((res) => setTimeout(res, 100));
            } catch {
              if (!stop.signal.aborted) await new Promise((res) => setTimeout(res, 100));
            }
          }
        })(),
      );
    }
  }
  // Give the group session a moment to open before the clock starts.
  await new Promise((r) => setTimeout(r, 300));

  const pubLat: number[] = [];
  let sent = 0;
  let published = 0;
  let pubErrors = 0;
  let firstPubError: string | undefined;
  const inflight = new Set<Promise<void>>();
  const total = Math.round(o.rate * o.seconds);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1);
      while (sent < due) {
        const p = publish(sent++).then(
          (ms) => {
            published++;
            pubLat.push(ms);
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
  const bound = setTimeout(() => pubStop.abort(new Error('no answer within the bound after the schedule ended')), (o.drainMs ?? 3000) + 5000);
  await Promise.all(inflight);
  clearTimeout(bound);
  const deadline = performance.now() + (o.drainMs ?? 3000);
  while (seen.size < published && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  stop.abort();
  for (const ws of sockets) ws.terminate();
  await Promise.allSettled(subscribers);
  await Promise.allSettled([pubPool.destroy(), subPool.destroy()]);
  e2e.sort((a, b) => a - b);
  pubLat.sort((a, b) => a - b);
  return {
    offeredRate: o.rate,
    sent,
    published,
    pubErrors,
    firstPubError,
    received: seen.size,
    duplicates,
    lost: Math.max(0, published - seen.size),
    e2e: { p50: quantileSorted(e2e, 0.5), p99: quantileSorted(e2e, 0.99), p999: quantileSorted(e2e, 0.999), max: e2e[e2e.length - 1] ?? NaN },
    pub: { p50: quantileSorted(pubLat, 0.5), p99: quantileSorted(pubLat, 0.99) },
  };
}
