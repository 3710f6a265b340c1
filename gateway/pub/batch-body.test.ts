// Batch bodies: plain strings become views of the body, with the bytes the item-by-item conversion gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../shared/errors.js';
import type { OutgoingMessage } from '../store/store.js';
import { parseBatchBody } from './batch-body.js';

const limits = { maxBatchMessages: 5 };
const parse = (body: string | Buffer, key?: string): OutgoingMessage[] =>
  parseBatchBody(Buffer.isBuffer(body) ? body : Buffer.from(body), 'application/json', key, limits);
/** What the general path gives: each string decoded, then encoded again. */
const expected = (text: string, key?: string): OutgoingMessage[] =>
  (JSON.parse(text) as string[]).map((s) => ({ value: Buffer.from(s), key }));
const status = (f: () => unknown): number | undefined => {
  try {
    f();
  } catch (e) {
    return isAppError(e) ? e.status : -1;
  }
  return undefined;
};

describe('parseBatchBody', () => {
  it('reads arrays of plain strings as views of the body, with the default key', () => {
    const body = Buffer.from('["a","bc"]');
    const out = parse(body, 'k');
    assert.deepEqual(out, expected('["a","bc"]', 'k'));
    assert.equal(out[0]!.value.buffer, body.buffer, 'the value is a view, not a copy');
    const nd = Buffer.from('"a"\r\n\n  "bc"  \n');
    const lines = parseBatchBody(nd, 'application/x-ndjson; charset=utf-8', undefined, limits);
    assert.deepEqual(lines, expected('["a","bc"]'));
    assert.equal(lines[1]!.value.buffer, nd.buffer);
  });

  it('gives what JSON.parse and Buffer.from give, with whitespace, UTF-8, escapes and mixed items', () => {
    for (const text of [
      ' \r\n\t[ "x" , "y"\n]\n ',
      '["héllo","日本語","😀"]',
      '["a\\"b","c\\\\d","\\u00e9","\\n"]',
      '["", "a"]',
    ]) {
      assert.deepEqual(parse(text), expected(text), text);
    }
    assert.deepEqual(parse('["a",{"value":"b","key":"k","tag":"t"}]'), [
      { value: Buffer.from('a'), key: undefined },
      { value: Buffer.from('b'), key: 'k', tag: 't' },
    ]);
  });

  it('stores what the decoding path stores for invalid UTF-8 (replacement characters)', () => {
    const body = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff, 0xfe]), Buffer.from('"]')]);
    assert.deepEqual(parse(body), [{ value: Buffer.from(body.toString('utf8').slice(2, -2)), key: undefined }]);
    assert.equal(parse(body)[0]!.value.toString('hex'), '61efbfbdefbfbd');
  });

  it('answers malformed JSON 400 and too many messages 413, on either path', () => {
    for (const text of ['["a"', '["a",]', '["a" "b"]', '["a"]x', '["a\tb"]', '[]', '{"value":"x"}', '[1]', '["a"]]']) {
      assert.equal(status(() => parse(text)), 400, text);
    }
    assert.equal(status(() => parse(JSON.stringify(Array(6).fill('x')))), 413);
    assert.equal(status(() => parse(JSON.stringify([...Array(5).fill('x'), { value: 'y' }]))), 413);
  });
});
