// Header rewriting at the hop: hop-by-hop headers dropped both ways, X-Forwarded-For appended on the way in.
import { HOP_BY_HOP } from './hop-by-hop.js';

/** Lengths of the names above: most headers are rejected by one length check, without lower-casing. */
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((n) => n.length));
const XFF = 'x-forwarded-for';

const isHop = (name: string): boolean => HOP_LENGTHS.has(name.length) && HOP_BY_HOP.has(name.toLowerCase());

/**
 * The flat [name, value, ...] list to send upstream from a request's rawHeaders: hop-by-hop headers and any header
 * the client's Connection header names are dropped; the client address is appended to X-Forwarded-For (the
 * gateway takes the first entry as the real client IP, as the original did). `keepUpgrade` keeps Connection and
 * Upgrade for a WebSocket handshake.
 */
export function upstreamHeaders(raw: readonly string[], clientIp: string | undefined, keepUpgrade = false): string[] {
  const out: string[] = [];
  let xff: string | undefined;
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      named = connectionTokens(raw[i + 1]!, named);
      continue;
    }
    if (isHop(name)) {
      if (keepUpgrade && name.length === 7 && name.toLowerCase() === 'upgrade') out.push('upgrade', raw[i + 1]!);
      continue;
    }
    if (name.length === 15 && name.toLowerCase() === XFF) {
      xff = xff === undefined ? raw[i + 1] : `${xff}, ${raw[i + 1]}`;
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (named) stripNamed(out, named);
  if (keepUpgrade) out.push('connection', 'upgrade');
  if (clientIp !== undefined) out.push(XFF, xff === undefined ? clientIp : `${xff}, ${clientIp}`);
  else if (xff !== undefined) out.push(XFF, xff);
  return out;
}

/** What a response's hop-by-hop headers said, for the connection that read it (the client sees none of them). */
export interface ResponseHops {
  /** `Keep-Alive: timeout=N` from the server, ms. */
  keepAliveHintMs: number | undefined;
  /** A Transfer-Encoding header was present. */
  transferEncoding: boolean;
}

const latin1 = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('latin1'));

/**
 * The flat [name, value, ...] list for the client from a response's raw headers (strings from llhttp, or undici's
 * buffers), hop-by-hop dropped; `hops` (if given) learns what those said.
 */
export function downstreamHeaders(raw: readonly (Buffer | string)[], hops?: ResponseHops): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = latin1(raw[i]!);
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      named = connectionTokens(latin1(raw[i + 1]!), named);
      continue;
    }
    if (isHop(name)) {
      if (hops) noteHop(hops, name.toLowerCase(), latin1(raw[i + 1]!));
      continue;
    }
    out.push(name, latin1(raw[i + 1]!));
  }
  if (named) stripNamed(out, named);
  return out;
}

/** The last Keep-Alive value parsed and its timeout: a gateway sends the same value on every response. */
let lastKeepAlive = '';
let lastKeepAliveMs: number | undefined;

function noteHop(hops: ResponseHops, lower: string, value: string): void {
  if (lower === 'transfer-encoding') hops.transferEncoding = true;
  else if (lower === 'keep-alive') {
    if (value !== lastKeepAlive) {
      const t = /timeout=(\d+)/i.exec(value);
      lastKeepAlive = value;
      lastKeepAliveMs = t ? Number(t[1]) * 1000 : undefined;
    }
    if (lastKeepAliveMs !== undefined) hops.keepAliveHintMs = lastKeepAliveMs;
  }
}

/** Header names listed in a Connection header (other than the usual keep-alive/close), lower-case. */
function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  // Nearly always exactly "keep-alive" or "close": no splitting then.
  if (value.length <= 10) {
    const v = value.toLowerCase();
    if (v === 'keep-alive' || v === 'close' || v === 'upgrade') return into;
  }
  for (const t of value.split(',')) {
    const tok = t.trim().toLowerCase();
    if (tok && tok !== 'keep-alive' && tok !== 'close' && tok !== 'upgrade') (into ??= new Set()).add(tok);
  }
  return into;
}

function stripNamed(out: string[], named: Set<string>): void {
  for (let i = out.length - 2; i >= 0; i -= 2) {
    if (named.has(out[i]!.toLowerCase())) out.splice(i, 2);
  }
}
