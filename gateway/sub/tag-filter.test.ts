// The X-Tag filter: parsing with the tag limit, and any-match over a message's ;-separated tag entries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../shared/errors.js';
import { parseTagFilter, passesTagFilter } from './tag-filter.js';

describe('tag filter > parseTagFilter', () => {
  it('splits on ; and drops empty entries; asks for nothing when absent or empty', () => {
    assert.deepEqual(parseTagFilter('t1;t2', 1024), new Set(['t1', 't2']));
    assert.deepEqual(parseTagFilter(';a=b; c=d;;', 1024), new Set(['a=b', 'c=d']));
    assert.equal(parseTagFilter(undefined, 1024), undefined);
    assert.equal(parseTagFilter('', 1024), undefined);
    assert.equal(parseTagFilter(' ; ;', 1024), undefined);
  });

  it('refuses a filter above the tag limit (bytes, not characters) with a 400', () => {
    assert.deepEqual(parseTagFilter('é'.repeat(4), 8), new Set(['éééé']));
    assert.throws(() => parseTagFilter('é'.repeat(5), 8), (e: unknown) => e instanceof AppError && e.status === 400 && /too big tag filter/.test(e.message));
  });
});

describe('tag filter > passesTagFilter', () => {
  const filter = new Set(['vip', 'region=eu']);
  it('passes a message carrying at least one asked entry', () => {
    assert.equal(passesTagFilter(filter, 'vip'), true);
    assert.equal(passesTagFilter(filter, 'a=b;region=eu'), true);
    assert.equal(passesTagFilter(filter, 'region=us; vip;'), true);
  });

  it('rejects other tags, partial matches and untagged messages', () => {
    assert.equal(passesTagFilter(filter, 'region=us'), false);
    assert.equal(passesTagFilter(filter, 'vip2;region=e'), false);
    assert.equal(passesTagFilter(filter, 'vip=1'), false);
    assert.equal(passesTagFilter(filter, ''), false);
    assert.equal(passesTagFilter(filter, null), false);
  });
});
