// ResponseParser: framing (length, chunked, EOF, none), 1xx, hop-by-hop removal, split input, malformed input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError, ResponseParser } from './response-parser.js';

interface Seen {
  head?: { status: number; text: string; headers: string[] };
  body: string;
  ended: number;
}

function parser(isHead = false): { p: ResponseParser; seen: Seen } {
  const seen: Seen = { body: '', ended: 0 };
  const p = new ResponseParser(isHead, {
    onHead: (status, text, headers) => (seen.head = { status, text, headers }),
    onBody: (c) => ((seen.body += c.toString('latin1')), true),
    onEnd: () => seen.ended++,
  });
  return { p, seen };
}

/** Feeds the text one byte at a time (the worst split) or whole; returns what followed the response. */
function feed(p: ResponseParser, text: string, bytewise = false): string | undefined {
  const buf = Buffer.from(text, 'latin1');
  if (!bytewise) return p.execute(buf)?.toString('latin1');
  let rest: Buffer | undefined;
  for (let i = 0; i < buf.length; i++) {
    rest = p.execute(buf.subarray(i, i + 1));
    if (rest) return Buffer.concat([rest, buf.subarray(i + 1)]).toString('latin1');
  }
  return rest?.toString('latin1');
}

describe('ResponseParser > framing', () => {
  for (const bytewise of [false, true]) {
    const how = bytewise ? ' (one byte at a time)' : '';
    it(`reads a Content-Length body and reports what follows${how}`, () => {
      const { p, seen } = parser();
      const rest = feed(p, 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Serverid: g1\r\n\r\nhelloEXTRA', bytewise);
      assert.deepEqual(seen.head, { status: 201, text: 'Created', headers: ['Content-Length', '5', 'X-Serverid', 'g1'] });
      assert.equal(seen.body, 'hello');
      assert.equal(seen.ended, 1);
      assert.equal(rest, 'EXTRA');
      assert.equal(p.keepAlive, true);
    });

    it(`decodes a chunked body, ignoring extensions and trailers${how}`, () => {
      const { p, seen } = parser();
      feed(p, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nchunk\r\nA\r\n-0-1-2-3-4\r\n0\r\nX-T: 1\r\n\r\n', bytewise);
      assert.deepEqual(seen.head!.headers, []);
      assert.equal(seen.body, 'chunk-0-1-2-3-4');
      assert.equal(seen.ended, 1);
    });
  }

  it('reads to EOF without length or chunking, and marks the connection not reusable', () => {
    const { p, seen } = parser();
    assert.equal(feed(p, 'HTTP/1.1 200 OK\r\n\r\nabc'), undefined);
    feed(p, 'def');
    assert.equal(seen.ended, 0);
    p.finish();
    assert.equal(seen.body, 'abcdef');
    assert.equal(seen.ended, 1);
    assert.equal(p.keepAlive, false);
  });

  it('expects no body after HEAD, 204 and 304 whatever the headers say', () => {
    for (const [isHead, head] of [
      [true, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'],
      [false, 'HTTP/1.1 204 No Content\r\n\r\n'],
      [false, 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n'],
    ] as const) {
      const { p, seen } = parser(isHead);
      assert.equal(feed(p, head), '');
      assert.equal(seen.ended, 1);
    }
  });

  it('skips 1xx heads and reports the final one', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(seen.head!.status, 200);
    assert.equal(seen.body, 'ok');
  });

  it('drops hop-by-hop headers and those named by Connection; honours close and the keep-alive hint', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nX-Private: s\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\nA: b\r\n\r\n');
    assert.deepEqual(seen.head!.headers, ['Content-Length', '0', 'A', 'b']);
    assert.equal(p.keepAlive, false);
    assert.equal(p.keepAliveHintMs, 5000);
  });

  it('treats HTTP/1.0 as close unless keep-alive is announced', () => {
    const a = parser();
    feed(a.p, 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.equal(a.p.keepAlive, false);
    const b = parser();
    feed(b.p, 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n');
    assert.equal(b.p.keepAlive, true);
  });

  it('lets chunked win over Content-Length and hides the length from the client', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    assert.deepEqual(seen.head!.headers, []);
    assert.equal(seen.body, 'ok');
    assert.equal(p.keepAlive, false);
  });
});

describe('ResponseParser > malformed input', () => {
  const bad: [string, string][] = [
    ['a bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['a header without colon', 'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n'],
    ['a name starting with a space', 'HTTP/1.1 200 OK\r\n Bad: x\r\n\r\n'],
    ['a name ending with a space', 'HTTP/1.1 200 OK\r\nBad : x\r\n\r\n'],
    ['a three-digit status missing', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a missing CRLF after chunk data', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX\r\n'],
  ];
  for (const [what, text] of bad) {
    it(`throws ParseError on ${what}`, () => {
      const { p } = parser();
      assert.throws(() => feed(p, text), ParseError);
    });
  }

  it('throws when the connection ends mid-body', () => {
    const { p } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    assert.throws(() => p.finish(), ParseError);
  });

  it('refuses a head larger than 64 KiB', () => {
    const { p } = parser();
    assert.throws(() => feed(p, `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`), /too large/);
  });
});
