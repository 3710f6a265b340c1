// TCP probes used for readiness checks: port open, one request/response exchange (ZooKeeper 4lw, Redis PING).
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True if something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Sends `payload`, then collects the reply until the peer closes, `until` matches, or the timeout passes.
 * Never rejects: a refused connection yields ''.
 */
export function exchange(
  port: number,
  payload: string,
  opts: { host?: string; timeoutMs?: number; until?: (reply: string) => boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host: opts.host ?? '127.0.0.1', port });
    let reply = '';
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(reply);
    };
    sock.setTimeout(opts.timeoutMs ?? 1000, done);
    sock.once('connect', () => sock.write(payload));
    sock.on('data', (d: Buffer) => {
      reply += d.toString();
      if (opts.until?.(reply)) done();
    });
    sock.once('end', done);
    sock.once('error', done);
    sock.once('close', done);
  });
}

/** ZooKeeper four-letter word (`ruok`, `srvr`, ...); '' if not reachable. */
export function zkFourLetter(port: number, word: string, host = '127.0.0.1'): Promise<string> {
  return exchange(port, word, { host });
}

/** True if a Redis server answers PING with PONG. */
export async function redisPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  const reply = await exchange(port, 'PING\r\n', { host, until: (r) => r.includes('\r\n') });
  return reply.startsWith('+PONG');
}

/** Polls `check` every `intervalMs` until it returns true; rejects with `what` after `timeoutMs`. */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
  abortIf?: () => string | undefined,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const abort = abortIf?.();
    if (abort) throw new Error(`${what}: ${abort}`);
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
