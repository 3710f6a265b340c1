// Proves adler32 matches zlib's (values computed with Python's zlib.adler32) and RFC 1950's definition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { adler32 } from './adler32.js';

/** The definition, one byte at a time: the reference the block-wise version must equal. */
function adler32Naive(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

describe('adler32', () => {
  it('equals zlib.adler32 on known inputs', () => {
    // python3 -c "import zlib; print(zlib.adler32(b'...'))"
    const zlibValues: Array<[string, number]> = [
      ['', 1],
      ['a', 6422626],
      ['abc', 38600999],
      ['Wikipedia', 300286872],
      ['demoorders', 383386677],
      ['alphaorders', 456066198],
    ];
    for (const [input, expected] of zlibValues) assert.equal(adler32(input), expected, input);
  });

  it('equals zlib.adler32 past the block size where the sums are reduced', () => {
    const bytes = Buffer.alloc(256 * 300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    assert.equal(adler32(bytes), 167277244); // zlib.adler32(bytes(range(256)) * 300)
  });

  it('equals the byte-by-byte definition on random data, and is unsigned', () => {
    for (const n of [1, 5551, 5552, 5553, 20_000]) {
      const bytes = randomBytes(n).fill(0xff, 0, Math.min(n, 4_000));
      const sum = adler32(bytes);
      assert.equal(sum, adler32Naive(bytes), `${n} bytes`);
      assert.ok(sum >= 0 && sum <= 0xffffffff);
    }
  });
});
