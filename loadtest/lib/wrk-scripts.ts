// Writes the wrk Lua scripts of the benchmark scenarios into a temporary folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lua = (s: string): string => JSON.stringify(s); // a JSON string literal is a valid Lua string literal for ASCII

export interface PostScript {
  /** Body bytes of one message. */
  size: number;
  /** 1 = raw body; >1 = a JSON array of this many string messages (use the URL's ?batch=1). */
  batch?: number;
  headers?: Record<string, string>;
  /** Request path (required with `keyed`). */
  path?: string;
  /** Add ?key=k<n % 1000> (or &key= after an existing query) to every request: keyed publishing. */
  keyed?: boolean;
}

let dir: string | undefined;
let seq = 0;

function write(name: string, lines: string[]): string {
  dir ??= mkdtempSync(join(tmpdir(), 'kateway-wrk-'));
  const file = join(dir, `${name}-${++seq}.lua`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const headerLines = (h: Record<string, string> = {}): string[] => Object.entries(h).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`);

/** A JSON array of `batch` strings of `size` bytes: the batch publish body. */
export const batchBody = (size: number, batch: number): string => JSON.stringify(Array.from({ length: batch }, () => 'x'.repeat(size)));

/** A wrk script that POSTs the same body on every request (optionally with a rotating partition key). */
export function postScript(o: PostScript): string {
  const batch = o.batch ?? 1;
  const body = batch > 1 ? batchBody(o.size, batch) : 'x'.repeat(o.size);
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${lua(body)}`,
    `wrk.headers["Content-Type"] = ${lua(batch > 1 ? 'application/json' : 'application/octet-stream')}`,
    ...headerLines(o.headers),
  ];
  if (o.keyed) {
    if (!o.path) throw new Error('postScript: keyed needs path');
    const sep = o.path.includes('?') ? '&' : '?';
    lines.push('local n = 0', `request = function() n = n + 1; return wrk.format(nil, ${lua(o.path + sep + 'key=k')} .. (n % 1000)) end`);
  }
  return write('post', lines);
}

/** A wrk script that GETs `paths` in turn, one per request (fan-out: one path per consumer group). */
export function rotatingGetScript(paths: readonly string[], headers?: Record<string, string>): string {
  return write('get', [
    ...headerLines(headers),
    `local paths = { ${paths.map(lua).join(', ')} }`,
    'local n = 0',
    `request = function() n = n + 1; return wrk.format("GET", paths[(n % ${paths.length}) + 1]) end`,
  ]);
}
