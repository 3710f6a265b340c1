// The subscriber half of the mixed scenario: one consumer group (long-polls, chunked batches or WebSockets) timing each
// stamped message.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { decodeBinaryRecords } from '../../gateway/sub/record-codec.js';
import { KeepaliveGetter } from './keepalive-getter.js';
import { nowMs } from './wall-clock.js';

export interface SubscriberOptions {
  subUrl: string;
  appid: string;
  subkey: string;
  topic: string;
  ver: string;
  group: string;
  /** Concurrent long-polls (or WebSockets) of the group. */
  subscribers: number;
  /**
   * longpoll: `batch=1`, one message per response. chunked: `batch=N` long-polls whose binary records are timed as
   * each chunk arrives (the gateway writes a chunk per message it gets, and ends the response after N or 1 s idle).
   * ws: WebSocket frames.
   */
  mode: SubscribeMode;
  /** Messages per chunked response (mode chunked; default 100). */
  batch?: number;
  /** Diagnostics: list every delivery slower than this end to end, ms, with its send stamp (see `slow`). */
  slowMs?: number;
}

export type SubscribeMode = 'longpoll' | 'chunked' | 'ws';

export interface SubscriberResult {
  received: number;
  duplicates: number;
  /** End-to-end ms (publisher's send stamp → receipt here), sorted. */
  e2e: number[];
  /** WebSocket frames only (they carry the store's timestamp): store accepted → receipt here, ms, sorted. */
  storedToReceived: number[];
  /** With `slowMs`: [send stamp (wall-clock ms), end-to-end ms] of each slower delivery (at most 5,000). */
  slow?: [number, number][];
  /** Subscribe requests (or WebSockets) that failed: a status other than 200/204, a broken connection. Retried. */
  errors: number;
  firstError?: string;
}

const STAMP = /"t":([\d.]+),"i":(-?\d+)/;
const STORED = /"timestamp":(\d+)/;

/** A subscribing group: `open` starts it, `finish` waits for the last deliveries and stops it. */
export class MixedSubscriber {
  readonly #o: SubscriberOptions;
  readonly #stop = new AbortController();
  readonly #seen = new Set<number>();
  readonly #e2e: number[] = [];
  readonly #slow: [number, number][] = [];
  readonly #storedToReceived: number[] = [];
  readonly #loops: Promise<void>[] = [];
  readonly #sockets: WebSocket[] = [];
  #duplicates = 0;
  #errors = 0;
  #firstError: string | undefined;
  /** Messages stamped before this are left over from an earlier run on a reused topic (Kafka keeps topics). */
  readonly #since = nowMs();

  private constructor(o: SubscriberOptions) {
    this.#o = o;
    setMaxListeners(0, this.#stop.signal);
  }

  /** Resolves once every socket is open (WebSocket) or every long-poll is sent, plus a moment for the group session. */
  static async open(o: SubscriberOptions): Promise<MixedSubscriber> {
    const s = new MixedSubscriber(o);
    if (o.mode === 'ws') await s.#openSockets();
    else s.#startPolls();
    await sleep(300);
    return s;
  }

  /** Waits until `expected` distinct messages arrived or `drainMs` passed, then stops. */
  async finish(expected: number, drainMs: number): Promise<SubscriberResult> {
    const deadline = performance.now() + drainMs;
    while (this.#seen.size < expected && performance.now() < deadline) await sleep(20);
    this.#stop.abort();
    for (const ws of this.#sockets) ws.terminate();
    await Promise.allSettled(this.#loops);
    return {
      received: this.#seen.size,
      duplicates: this.#duplicates,
      e2e: this.#e2e.sort((a, b) => a - b),
      storedToReceived: this.#storedToReceived.sort((a, b) => a - b),
      ...(this.#o.slowMs !== undefined ? { slow: this.#slow } : {}),
      errors: this.#errors,
      ...(this.#firstError !== undefined ? { firstError: this.#firstError } : {}),
    };
  }

  /** A failed subscribe is retried, so it shows only as latency unless it is counted here. */
  #failed(what: string): void {
    this.#errors++;
    this.#firstError ??= what;
  }

  #onMessage(text: string, at = nowMs()): void {
    const m = STAMP.exec(text);
    if (!m) return;
    const i = Number(m[2]);
    // Skip the topic-creating message (i < 0) and anything an earlier run left in a reused topic.
    if (i < 0 || Number(m[1]) < this.#since) return;
    if (this.#seen.has(i)) {
      this.#duplicates++;
      return;
    }
    this.#seen.add(i);
    const e2e = at - Number(m[1]);
    this.#e2e.push(e2e);
    if (this.#o.slowMs !== undefined && e2e > this.#o.slowMs && this.#slow.length < 5000) this.#slow.push([Number(m[1]), e2e]);
    const stored = STORED.exec(text);
    if (stored) this.#storedToReceived.push(at - Number(stored[1]));
  }

  async #openSockets(): Promise<void> {
    const o = this.#o;
    const url = `${o.subUrl.replace(/^http/, 'ws')}/v1/ws/msgs/${o.appid}/${o.topic}/${o.ver}?group=${encodeURIComponent(o.group)}`;
    const opened: Promise<void>[] = [];
    for (let s = 0; s < o.subscribers; s++) {
      const ws = new WebSocket(url, { headers: { Appid: o.appid, Subkey: o.subkey }, perMessageDeflate: false, handshakeTimeout: 10_000 });
      this.#sockets.push(ws);
      // JSON frame {"partition":…,"value":"{\"t\":…,\"i\":…}",…}: unescape the embedded quotes first.
      ws.on('message', (d: Buffer) => this.#onMessage(d.toString().replace(/\\"/g, '"')));
      ws.on('close', (code) => {
        if (!this.#stop.signal.aborted) this.#failed(`websocket closed by the server (${code})`);
      });
      opened.push(
        new Promise((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.on('error', (e) => {
            this.#failed(`websocket: ${e.message}`);
            reject(e);
          });
        }),
      );
    }
    await Promise.all(opened);
  }

  #startPolls(): void {
    const o = this.#o;
    const chunked = o.mode === 'chunked';
    const batch = chunked ? `&batch=${o.batch ?? 100}` : '';
    const path = `/v1/msgs/${o.appid}/${o.topic}/${o.ver}?group=${encodeURIComponent(o.group)}&reset=oldest${batch}`;
    const signal = this.#stop.signal;
    const poll = async (): Promise<void> => {
      const getter = new KeepaliveGetter(o.subUrl, { Appid: o.appid, Subkey: o.subkey });
      signal.addEventListener('abort', () => getter.close(), { once: true });
      while (!signal.aborted) {
        try {
          const body: Buffer[] = [];
          const records = chunked ? this.#recordReader() : undefined;
          const status = await getter.get(path, records ?? ((piece) => body.push(piece)));
          if (status === 200 && !chunked) this.#onMessage(Buffer.concat(body).toString());
          if (status !== 200 && status !== 204) {
            this.#failed(`subscribe ${status}`);
            await sleep(100);
          }
        } catch (e) {
          if (signal.aborted) continue;
          this.#failed(`subscribe: ${e instanceof Error ? e.message : String(e)}`);
          await sleep(100);
        }
      }
    };
    for (let s = 0; s < o.subscribers; s++) this.#loops.push(poll());
  }

  /** For one chunked response: times every record when the piece of the body carrying its last byte is read. */
  #recordReader(): (piece: Buffer) => void {
    let rest: Buffer = Buffer.alloc(0);
    return (piece) => {
      const at = nowMs();
      const decoded = decodeBinaryRecords(rest.length ? Buffer.concat([rest, piece]) : piece);
      for (const rec of decoded.records) this.#onMessage(rec.value.toString(), at);
      rest = decoded.rest;
    };
  }
}
