// Fills a topic with N messages through the gateway's batch publish (JSON arrays), before a subscribe scenario.
export interface PrefillOptions {
  /** Publish base URL, e.g. http://127.0.0.1:9191 */
  pubUrl: string;
  topic: string;
  ver?: string;
  appid: string;
  key: string;
  messages: number;
  size: number;
  /** Messages per request (the gateway's default limit is 4,000). Default 1,000. */
  perRequest?: number;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** Stop starting new requests after this many seconds (a slow store must not stall a benchmark). */
  maxSeconds?: number;
}

/** Resolves with the number of messages actually published (fewer than asked when `maxSeconds` ran out). */
export async function prefill(o: PrefillOptions): Promise<number> {
  const per = o.perRequest ?? 1000;
  const one = 'x'.repeat(o.size);
  const url = `${o.pubUrl}/v1/msgs/${o.topic}/${o.ver ?? 'v1'}?batch=1`;
  async function send(n: number): Promise<void> {
    const body = JSON.stringify(Array.from({ length: n }, () => one));
    const r = await fetch(url, { method: 'POST', body, headers: { Appid: o.appid, Pubkey: o.key, 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(60_000) });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`prefill ${url}: ${r.status} ${text}`);
    done += n;
  }
  let left = o.messages;
  let done = 0;
  const deadline = o.maxSeconds === undefined ? Infinity : Date.now() + o.maxSeconds * 1000;
  // One request first: concurrent first publishes to a new topic race to create it (the Kafka store answered 404 to the losers).
  const first = Math.min(per, left);
  left -= first;
  await send(first);
  const worker = async (): Promise<void> => {
    while (left > 0 && Date.now() < deadline) {
      const n = Math.min(per, left);
      left -= n;
      await send(n);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  return done;
}
