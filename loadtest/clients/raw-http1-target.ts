// Where the bench's raw HTTP/1.1 clients (keepalive-poster.ts, keepalive-getter.ts) connect, and the header lines
// every request of theirs carries: worked out once per client, not per request.

/** The end of a response head. */
export const HEAD_END = Buffer.from('\r\n\r\n');

export interface RawHttp1Target {
  host: string;
  port: number;
  /** `Host` and the given fields, each line ending in CRLF. */
  headerLines: string;
}

export function rawHttp1Target(url: string, headers: Record<string, string>): RawHttp1Target {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 80),
    headerLines: `Host: ${u.host}\r\n` + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join(''),
  };
}
