// Opens many idle subscribe long-polls (raw keep-alive sockets, one request each, re-sent after a 204) and holds them.
import { connect, type Socket } from 'node:net';

export interface IdleOptions {
  /** Subscribe base URL (http://host:port). */
  subUrl: string;
  appid: string;
  subkey: string;
  topic: string;
  ver: string;
  /** Long-polls to hold. */
  count: number;
  /** Groups they spread over (count / groups polls per group). */
  groups: number;
  /** Connections being opened at once. Default 256. */
  openConcurrency?: number;
}

export interface IdleHandle {
  /** Sockets connected with a request outstanding. */
  held(): number;
  /** Responses by status, so far (204 = a long-poll timed out and was re-sent; others are failures). */
  statuses(): Record<string, number>;
  /** Sockets that failed to connect or were closed by the server. */
  failed(): number;
  close(): void;
}

/** Resolves once every socket has connected and sent its first request (or failed). */
export async function holdIdleLongPolls(o: IdleOptions): Promise<IdleHandle> {
  const u = new URL(o.subUrl);
  const sockets: Socket[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  let held = 0;
  let closing = false;
  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const group = `idle${i % o.groups}`;
      const req =
        `GET /v1/msgs/${o.appid}/${o.topic}/${o.ver}?group=${group}&reset=newest HTTP/1.1\r\n` +
        `Host: ${u.host}\r\nAppid: ${o.appid}\r\nSubkey: ${o.subkey}\r\n\r\n`;
      const s = connect({ host: u.hostname, port: Number(u.port) });
      sockets.push(s);
      let outstanding = false;
      s.setNoDelay(true);
      s.once('connect', () => {
        s.write(req);
        outstanding = true;
        held++;
        resolve();
      });
      s.on('data', (d: Buffer) => {
        for (const m of d.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3})/g)) {
          statuses[m[1]!] = (statuses[m[1]!] ?? 0) + 1;
          if (m[1] === '204' && !closing) s.write(req);
          else if (outstanding) {
            outstanding = false;
            held--;
          }
        }
      });
      s.on('error', () => undefined);
      s.once('close', () => {
        if (outstanding) held--;
        outstanding = false;
        if (!closing) failed++;
        resolve();
      });
    });
  const conc = o.openConcurrency ?? 256;
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < o.count) await open(next++);
    }),
  );
  return {
    held: () => held,
    statuses: () => ({ ...statuses }),
    failed: () => failed,
    close() {
      closing = true;
      for (const s of sockets) s.destroy();
    },
  };
}
