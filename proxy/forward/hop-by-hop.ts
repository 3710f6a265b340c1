// The hop-by-hop header names (lower case) that a proxy must not forward, shared by both directions.

/**
 * RFC 9110 §7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade), Trailer, plus
 * Proxy-Authorization and Expect, which the proxy has already acted on (the front answers 100-continue itself).
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);
