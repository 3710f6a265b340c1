// Reading request headers and writing header-safe values.
import type { IncomingMessage } from 'node:http';

/** A single request header value (the first when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Header values must be visible ASCII; anything else (binary keys, UTF-8 tags) is percent-encoded. */
export function headerSafe(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}
