// Kafka's murmur2 (Java client `Utils.murmur2`, kafkajs DefaultPartitioner): keyed messages must land where Kafka puts them.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * The 32-bit murmur2 hash of `data` as a signed int, bit-for-bit equal to Kafka's `Utils.murmur2(byte[])`.
 * Strings are hashed as their UTF-8 bytes (what the Java client and kafkajs do with a string key).
 * Algorithm: Austin Appleby's MurmurHash2 as ported in kafka/clients/.../common/utils/Utils.java; Math.imul
 * gives Java's wrapping int multiply and `>>>` its unsigned shift.
 */
export function murmur2(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = bytes.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = bytes[i4]! | (bytes[i4 + 1]! << 8) | (bytes[i4 + 2]! << 16) | (bytes[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail of 1-3 bytes; Java's switch falls through from case 3 to case 1.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= bytes[tail + 2]! << 16;
  if (rest >= 2) h ^= bytes[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= bytes[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs), so that MIN_VALUE maps to 0. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
