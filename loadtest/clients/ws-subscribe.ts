// WebSocket subscribe throughput: N sockets in one consumer group count the message frames they receive.
import WebSocket from 'ws';

export interface WsSubscribeOptions {
  /** Subscribe base URL (http:// or ws://). */
  subUrl: string;
  appid: string;
  subkey: string;
  /** Topic owner (default: appid). */
  owner?: string;
  topic: string;
  ver: string;
  group: string;
  connections: number;
  seconds: number;
  /** 'binary' asks for binary records instead of JSON text frames. */
  format?: 'json' | 'binary';
}

export interface WsSubscribeResult {
  messages: number;
  msgsPerSec: number;
  /** Sockets that failed to open or closed early, with the first reason. */
  failed: number;
  firstError?: string;
}

export async function runWsSubscribe(o: WsSubscribeOptions): Promise<WsSubscribeResult> {
  const base = o.subUrl.replace(/^http/, 'ws');
  const url = `${base}/v1/ws/msgs/${o.owner ?? o.appid}/${o.topic}/${o.ver}?group=${encodeURIComponent(o.group)}${o.format === 'binary' ? '&format=binary' : ''}`;
  let messages = 0;
  let failed = 0;
  let firstError: string | undefined;
  const pending: WebSocket[] = [];
  // Counting starts when the first socket opens: a gateway may start streaming to it before the others are up.
  let counting = false;
  let started = false;
  let t0 = 0;
  let t1 = 0;
  const first = (): void => {
    if (started) return;
    started = true;
    counting = true;
    t0 = performance.now();
    setTimeout(() => {
      counting = false;
      t1 = performance.now();
    }, o.seconds * 1000);
  };
  // Not awaited as a whole: a gateway busy streaming a backlog to the first socket may upgrade the others late.
  const opening = Promise.all(
    Array.from(
      { length: o.connections },
      () =>
        new Promise<WebSocket | undefined>((resolve) => {
          const ws = new WebSocket(url, { headers: { Appid: o.appid, Subkey: o.subkey }, perMessageDeflate: false });
          pending.push(ws);
          ws.on('error', () => undefined);
          ws.on('message', () => {
            if (counting) messages++;
          });
          ws.once('open', () => {
            first();
            resolve(ws);
          });
          ws.once('error', (e) => {
            failed++;
            firstError ??= e.message;
            resolve(undefined);
          });
          ws.once('unexpected-response', (_req, res) => {
            failed++;
            firstError ??= `HTTP ${res.statusCode}`;
            resolve(undefined);
          });
        }),
    ),
  );
  // Wait for the first open (or every socket to fail), then for the counting window to close.
  await Promise.race([opening, new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (started) {
        clearInterval(check);
        resolve();
      }
    }, 10);
    void opening.then(() => clearInterval(check));
  })]);
  if (t0) while (!t1) await new Promise((r) => setTimeout(r, 20));
  const wall = (t1 - t0) / 1000;
  const failedNow = failed;
  for (const ws of pending) ws.terminate();
  return { messages, msgsPerSec: wall > 0 ? messages / wall : 0, failed: failedNow, firstError };
}
