// Writes the wrk Lua scripts of the publish scenarios into a temporary folder.
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
}

let dir: string | undefined;

/** Path of a wrk script that POSTs the same body on every request. */
export function postScript(o: PostScript): string {
  dir ??= mkdtempSync(join(tmpdir(), 'kateway-wrk-'));
  const one = 'x'.repeat(o.size);
  const batch = o.batch ?? 1;
  const body = batch > 1 ? JSON.stringify(Array.from({ length: batch }, () => one)) : one;
  const type = batch > 1 ? 'application/json' : 'application/octet-stream';
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${lua(body)}`,
    `wrk.headers["Content-Type"] = ${lua(type)}`,
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
  ];
  const file = join(dir, `post-${o.size}-${batch}-${Object.keys(o.headers ?? {}).join('_') || 'nohdr'}.lua`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
