// upstreamHeaders / downstreamHeaders: what crosses the hop and what does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downstreamHeaders, upstreamHeaders, type ResponseHops } from './headers.js';

describe('upstreamHeaders', () => {
  it('drops hop-by-hop headers and keeps the rest in order', () => {
    const raw = ['Host', 'x', 'Connection', 'keep-alive', 'Appid', 'a1', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'TE', 'trailers', 'Pubkey', 'k'];
    assert.deepEqual(upstreamHeaders(raw, undefined), ['Host', 'x', 'Appid', 'a1', 'Pubkey', 'k']);
  });

  it('appends the client address to X-Forwarded-For, merging repeated headers', () => {
    assert.deepEqual(upstreamHeaders(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2'], '127.0.0.9'), [
      'x-forwarded-for',
      '1.1.1.1, 2.2.2.2, 127.0.0.9',
    ]);
    assert.deepEqual(upstreamHeaders([], '10.0.0.1'), ['x-forwarded-for', '10.0.0.1']);
  });

  it('drops headers that the Connection header names', () => {
    assert.deepEqual(upstreamHeaders(['Connection', 'close, X-Secret', 'X-Secret', 's', 'A', 'b'], undefined), ['A', 'b']);
  });

  it('keeps the upgrade handshake for WebSockets', () => {
    const out = upstreamHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], '1.2.3.4', true);
    assert.deepEqual(out, ['upgrade', 'websocket', 'Sec-WebSocket-Key', 'k', 'connection', 'upgrade', 'x-forwarded-for', '1.2.3.4']);
  });
});

describe('downstreamHeaders', () => {
  it('converts undici raw buffers and drops hop-by-hop headers', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'close', 'Transfer-Encoding', 'chunked', 'X-Serverid', 'g1'].map((s) => Buffer.from(s));
    assert.deepEqual(downstreamHeaders(raw), ['Content-Type', 'text/plain', 'X-Serverid', 'g1']);
  });

  it("learns each response's Keep-Alive timeout, also when the value changes between responses", () => {
    const hint = (value: string, before?: number): number | undefined => {
      const hops: ResponseHops = { keepAliveHintMs: before, transferEncoding: false };
      downstreamHeaders(['Keep-Alive', value, 'A', 'b'], hops);
      return hops.keepAliveHintMs;
    };
    assert.equal(hint('timeout=5'), 5000);
    assert.equal(hint('timeout=5'), 5000);
    assert.equal(hint('timeout=7, max=100'), 7000);
    assert.equal(hint('max=100', 7000), 7000, 'a value without a timeout leaves the last hint');
    assert.equal(hint('max=100'), undefined);
    assert.equal(hint('TIMEOUT=3'), 3000);
  });
});
