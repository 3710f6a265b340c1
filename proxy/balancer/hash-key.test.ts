// subscriberKey / queryParam: which request parts make a subscriber's affinity key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryParam, subscriberKey } from './hash-key.js';

describe('subscriberKey', () => {
  it('joins the Appid header and the group query parameter', () => {
    assert.equal(subscriberKey('app1', '/v1/msgs/owner/t/v1?batch=10&group=g1'), 'app1/g1');
  });
  it('ignores the topic owner in the path: the group is what a session is bound to', () => {
    assert.equal(subscriberKey('app1', '/v1/msgs/o1/t/v1?group=g1'), subscriberKey('app1', '/v1/msgs/o2/t/v1?group=g1'));
  });
  it('takes the group from the path when given (offset commits)', () => {
    assert.equal(subscriberKey('app1', '/v1/offsets/o/t/v1/g9', 'g9'), 'app1/g9');
  });
  it('falls back to an appid query parameter (WebSocket from a browser)', () => {
    assert.equal(subscriberKey(undefined, '/v1/ws/msgs/o/t/v1?appid=a2&group=g'), 'a2/g');
  });
  it('uses the path when there is no group', () => {
    assert.equal(subscriberKey('a', '/v1/msgs/o/t/v1?batch=2'), 'a/?/v1/msgs/o/t/v1');
  });
});

describe('queryParam', () => {
  it('decodes percent and plus escapes', () => {
    assert.equal(queryParam('a=1&group=my%20g+x', 'group'), 'my g x');
  });
  it('does not match a parameter that only starts with the name', () => {
    assert.equal(queryParam('groupx=1&group=2', 'group'), '2');
  });
  it('returns empty for a bare key and undefined when absent or malformed', () => {
    assert.equal(queryParam('group&x=1', 'group'), '');
    assert.equal(queryParam('x=1', 'group'), undefined);
    assert.equal(queryParam('group=%E0%A4%A', 'group'), undefined);
  });
});
