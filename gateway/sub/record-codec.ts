// Wire formats of a chunked sub batch: the original's binary records, and NDJSON.
import { isUtf8 } from 'node:buffer';
import type { StoredMessage } from '../store/store.js';

/** int32 partition, int64 offset, int32 length, payload — big-endian, as the original kateway streamed them. */
export function encodeBinaryRecord(m: StoredMessage): Buffer {
  const out = Buffer.allocUnsafe(16 + m.value.length);
  out.writeInt32BE(m.partition, 0);
  out.writeBigInt64BE(BigInt(m.offset), 4);
  out.writeInt32BE(m.value.length, 12);
  m.value.copy(out, 16);
  return out;
}

/** Decodes a stream of binary records (clients and tests); returns the records and the bytes left over. */
export function decodeBinaryRecords(buf: Buffer): { records: { partition: number; offset: number; value: Buffer }[]; rest: Buffer } {
  const records: { partition: number; offset: number; value: Buffer }[] = [];
  let pos = 0;
  while (buf.length - pos >= 16) {
    const len = buf.readInt32BE(pos + 12);
    if (buf.length - pos < 16 + len) break;
    records.push({
      partition: buf.readInt32BE(pos),
      offset: Number(buf.readBigInt64BE(pos + 4)),
      value: buf.subarray(pos + 16, pos + 16 + len),
    });
    pos += 16 + len;
  }
  return { records, rest: buf.subarray(pos) };
}

/** A message as JSON: UTF-8 values as text, anything else base64 with `"encoding":"base64"`. */
export function messageToJson(m: StoredMessage): Record<string, unknown> {
  const utf8 = isUtf8(m.value);
  return {
    partition: m.partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    tag: m.tag,
    timestamp: m.timestamp,
    value: utf8 ? m.value.toString('utf8') : m.value.toString('base64'),
    ...(utf8 ? {} : { encoding: 'base64' }),
  };
}

export const encodeNdjsonRecord = (m: StoredMessage): Buffer => Buffer.from(JSON.stringify(messageToJson(m)) + '\n');
