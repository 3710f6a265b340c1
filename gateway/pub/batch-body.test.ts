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

  it('gives what JSON.parse and Buffer.from give for random bodies, JSON and NDJSON', () => {
    // Quotes, backslashes, controls, 2-, 3- and 4-byte UTF-8, lone surrogates (escaped by JSON.stringify), empty strings.
    const alphabet = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\u0001', 'é', '€', '日', '😀', '\ud800', '\udfff', '\u2028'];
    let seed = 1;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const space = (): string => [' ', '', '\t', '\r\n', ''][rand(5)]!;
    const many = { maxBatchMessages: 1000 };
    for (let round = 0; round < 300; round++) {
      // Odd rounds: only characters JSON writes unescaped, so the whole body takes the view path.
      const chars = round % 2 ? alphabet.filter((c) => JSON.stringify(c).length === c.length + 2) : alphabet;
      const items = Array.from({ length: 1 + rand(20) }, () => Array.from({ length: rand(6) }, () => chars[rand(chars.length)]!).join(''));
      const want = items.map((s) => ({ value: Buffer.from(s), key: 'k' }));
      const json = `${space()}[${items.map((s) => space() + JSON.stringify(s) + space()).join(',')}]${space()}`;
      assert.deepEqual(parseBatchBody(Buffer.from(json), 'application/json', 'k', many), want, json);
      const ndjson = items.map((s) => space() + JSON.stringify(s)).join('\n' + ['', '\n', '\r\n'][rand(3)]!);
      assert.deepEqual(parseBatchBody(Buffer.from(ndjson), 'application/x-ndjson', 'k', many), want, ndjson);
    }
  });

  it('answers malformed JSON 400 and too many messages 413, on either path', () => {
    for (const text of ['["a"', '["a",]', '["a" "b"]', '["a"]x', '["a\tb"]', '[]', '{"value":"x"}', '[1]', '["a"]]']) {
      assert.equal(status(() => parse(text)), 400, text);
    }
    assert.equal(status(() => parse(JSON.stringify(Array(6).fill('x')))), 413);
    assert.equal(status(() => parse(JSON.stringify([...Array(5).fill('x'), { value: 'y' }]))), 413);
  });
});
