// ResponseParser (llhttp): framing (length, chunked, EOF, none), 1xx, hop-by-hop removal, split input, reuse, malformed input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseParser, type ParseFailure } from './response-parser.js';

interface Seen {
  head?: { status: number; text: string; headers: string[] };
  heads: number;
  body: string;
  ended: number;
}

function parser(isHead = false): { p: ResponseParser; seen: Seen } {
  const seen: Seen = { heads: 0, body: '', ended: 0 };
  const p = new ResponseParser({
    onHead: (status, text, headers) => {
      seen.heads++;
      seen.head = { status, text, headers };
    },
    onBody: (c) => void (seen.body += c.toString('latin1')),
    onEnd: () => void seen.ended++,
  });
  p.expect(isHead);
  return { p, seen };
}

/** Feeds the text one byte at a time (the worst split) or whole; returns the first failure. */
function feed(p: ResponseParser, text: string, bytewise = false): ParseFailure | undefined {
  const buf = Buffer.from(text, 'latin1');
  if (!bytewise) return p.execute(buf);
  for (let i = 0; i < buf.length; i++) {
    const f = p.execute(buf.subarray(i, i + 1));
    if (f) return f;
  }
  return undefined;
}

describe('ResponseParser > framing', () => {
  for (const bytewise of [false, true]) {
    const how = bytewise ? ' (one byte at a time)' : '';
    it(`reads a Content-Length body${how}`, () => {
      const { p, seen } = parser();
      assert.equal(feed(p, 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Serverid: g1\r\n\r\nhello', bytewise), undefined);
      assert.deepEqual(seen.head, { status: 201, text: 'Created', headers: ['Content-Length', '5', 'X-Serverid', 'g1'] });
      assert.equal(seen.body, 'hello');
      assert.equal(seen.ended, 1);
      assert.equal(p.keepAlive, true);
      assert.equal(p.trailing, false);
    });

    it(`decodes a chunked body, ignoring extensions and trailers${how}`, () => {
      const { p, seen } = parser();
      assert.equal(feed(p, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nchunk\r\nA\r\n-0-1-2-3-4\r\n0\r\nX-T: 1\r\n\r\n', bytewise), undefined);
      assert.deepEqual(seen.head!.headers, []);
      assert.equal(seen.body, 'chunk-0-1-2-3-4');
      assert.equal(seen.ended, 1);
    });
  }

  it('parses the next response on the same connection after `expect`', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na');
    p.expect(false);
    assert.equal(seen.ended, 1);
    assert.equal(p.headPending, true);
    feed(p, 'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n');
    assert.equal(seen.head!.status, 202);
    assert.equal(seen.body, 'ab');
    assert.equal(seen.ended, 2);
    assert.equal(p.trailing, false);
  });

  it('marks bytes after the response as trailing, and reports nothing of them', () => {
    const { p, seen } = parser();
    assert.equal(feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx'), undefined);
    assert.equal(p.trailing, true);
    assert.deepEqual([seen.heads, seen.head!.status, seen.body, seen.ended], [1, 200, 'ok', 1]);
  });

  it('marks garbage after the response as trailing, not as a failure of the response', () => {
    const { p, seen } = parser();
    assert.equal(feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE'), undefined);
    assert.equal(p.trailing, true);
    assert.deepEqual([seen.body, seen.ended], ['ok', 1]);
  });

  it('marks bytes on an idle connection as trailing', () => {
    const p = new ResponseParser({ onHead: () => assert.fail('no head expected'), onBody: () => undefined, onEnd: () => assert.fail('no end expected') });
    assert.equal(p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')), undefined);
    assert.equal(p.trailing, true);
  });

  it('reads to EOF without length or chunking, and marks the connection not reusable', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\n\r\nabc');
    feed(p, 'def');
    assert.equal(seen.ended, 0);
    assert.equal(p.finish(), undefined);
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
      assert.equal(feed(p, head), undefined);
      assert.equal(seen.ended, 1);
      assert.equal(p.trailing, false);
    }
  });

  it('skips 1xx heads and reports the final one', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(seen.heads, 1);
    assert.equal(seen.head!.status, 200);
    assert.equal(seen.body, 'ok');
    assert.equal(seen.ended, 1);
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

  it('passes on heads of more than 32 headers whole', () => {
    const { p, seen } = parser();
    const names = Array.from({ length: 40 }, (_, i) => `X-H${i}`);
    feed(p, `HTTP/1.1 200 OK\r\n${names.map((n) => `${n}: v\r\n`).join('')}Content-Length: 0\r\n\r\n`, true);
    assert.equal(seen.head!.headers.length, 82);
    assert.equal(seen.head!.headers[78], 'X-H39');
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
    ['garbage where a response should be', 'HELLO\r\n\r\n'],
  ];
  for (const [what, text] of bad) {
    it(`fails on ${what}`, () => {
      const { p, seen } = parser();
      const f = feed(p, text);
      assert.ok(f instanceof Error);
      assert.match(f.code, /^HPE_/);
      assert.equal(seen.ended, 0);
    });
  }

  it('fails on a protocol switch nobody asked for', () => {
    const { p, seen } = parser();
    assert.equal(feed(p, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n')?.message, 'unexpected upgrade');
    assert.equal(seen.heads, 0);
  });

  it('fails when the connection ends mid-body', () => {
    const { p, seen } = parser();
    feed(p, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    assert.ok(p.finish() instanceof Error);
    assert.equal(seen.ended, 0);
  });

  it('refuses a head larger than 64 KiB, accepts one below', () => {
    const small = parser();
    assert.equal(feed(small.p, `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(60 * 1024)}\r\nContent-Length: 0\r\n\r\n`), undefined);
    assert.equal(small.seen.ended, 1);
    const { p } = parser();
    assert.equal(feed(p, `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`)?.code, 'HPE_HEADER_OVERFLOW');
  });
});
