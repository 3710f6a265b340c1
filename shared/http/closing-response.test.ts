// The raw error response parses as HTTP (with Node's own parser) and carries its status, headers and JSON errmsg.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closingErrorResponse } from './closing-response.js';

/** Status line, lower-cased headers and body of a raw response. */
function parse(raw: string): { status: string; headers: Map<string, string>; body: string } {
  const [head, body] = raw.split('\r\n\r\n') as [string, string];
  const [status, ...lines] = head.split('\r\n');
  return { status: status!, headers: new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)])), body };
}

describe('closingErrorResponse', () => {
  it('writes the status with its reason, a JSON errmsg with the byte length, and connection: close', () => {
    const r = parse(closingErrorResponse(431, 'request head too large — é'));
    assert.equal(r.status, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.deepEqual(JSON.parse(r.body), { errmsg: 'request head too large — é' });
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.body));
    assert.equal(r.headers.get('connection'), 'close');
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf8');
  });
  it('adds the extra headers', () => {
    const r = parse(closingErrorResponse(429, 'rate limited', ['retry-after', '2', 'ratelimit-remaining', '0']));
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal(r.headers.get('ratelimit-remaining'), '0');
  });
});
