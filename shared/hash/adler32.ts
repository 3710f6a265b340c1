// Adler-32 (RFC 1950 §8.2): the original kateway derives the "cookie" of long topic versions from it.

const MOD = 65521;
/** Bytes summed between reductions: zlib's NMAX, the most for which b stays below 2^32 (doubles would allow more; small ints are faster). */
const NMAX = 5552;

/**
 * The Adler-32 checksum of `data` as an unsigned 32-bit number, equal to Go's `hash/adler32.Checksum`
 * and zlib's `adler32`: a = 1 + sum of the bytes, b = sum of every intermediate a, both mod 65521; result b·65536 + a.
 * Strings are checksummed as their UTF-8 bytes. Reducing only every NMAX bytes is zlib's trick (adler32.c).
 */
export function adler32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += NMAX) {
    const end = Math.min(start + NMAX, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return b * 65536 + a;
}
