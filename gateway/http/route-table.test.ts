// RouteTable: route resolution with checked parameters, and the cache that answers repeated paths and query strings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Route } from './route.js';
import { RouteTable } from './route-table.js';

const route = (over: Partial<Route>): Route => ({
  operationId: 'op',
  method: 'GET',
  path: '/',
  listeners: ['sub'],
  summary: '',
  tags: [],
  responses: {},
  handle: () => undefined,
  ...over,
});

describe('RouteTable > resolve', () => {
  const sub = route({
    operationId: 'subscribe',
    path: '/v1/msgs/:appid/:topic',
    params: { topic: { type: 'string', pattern: '^[a-z]+$' } },
    query: { type: 'object', properties: { batch: { type: 'integer', minimum: 1, default: 1 } } },
  });
  const table = new RouteTable([sub]);

  it('decodes parameters and answers a repeated path with the same frozen result', () => {
    const a = table.resolve('sub', 'GET', '/v1/msgs/app%201/orders');
    assert.equal(a.kind, 'found');
    assert.deepEqual(a.kind === 'found' && { ...a.params }, { appid: 'app 1', topic: 'orders' });
    assert.ok(Object.isFrozen(a.kind === 'found' && a.params));
    assert.equal(table.resolve('sub', 'GET', '/v1/msgs/app%201/orders'), a);
  });

  it('refuses a parameter that breaks its pattern, every time', () => {
    for (let i = 0; i < 2; i++) {
      const r = table.resolve('sub', 'GET', '/v1/msgs/app/Orders');
      assert.equal(r.kind, 'invalid-param');
      assert.equal(r.kind === 'invalid-param' && r.route, sub);
      assert.match(r.kind === 'invalid-param' ? r.error.message : '', /invalid topic/);
    }
  });

  it('tells a wrong method from an unknown path, and keys the cache by listener and method', () => {
    assert.equal(table.resolve('sub', 'GET', '/v1/msgs/app/orders').kind, 'found');
    assert.deepEqual(table.resolve('sub', 'POST', '/v1/msgs/app/orders'), { kind: 'method-not-allowed', allowed: ['GET'] });
    assert.equal(table.resolve('pub', 'GET', '/v1/msgs/app/orders').kind, 'not-found');
  });

  it('still resolves correctly after more distinct paths than it remembers', () => {
    for (let i = 0; i < 5000; i++) assert.equal(table.resolve('sub', 'GET', `/v1/msgs/a${i}/orders`).kind, 'found');
    const r = table.resolve('sub', 'GET', '/v1/msgs/a1/orders');
    assert.deepEqual(r.kind === 'found' && { ...r.params }, { appid: 'a1', topic: 'orders' });
  });

  it('validates query strings with defaults, caches them frozen, and refuses bad ones every time', () => {
    const r = table.resolve('sub', 'GET', '/v1/msgs/app/orders');
    const validate = r.kind === 'found' ? r.query : undefined;
    assert.ok(validate);
    const q = validate('');
    assert.deepEqual({ ...q }, { batch: 1 });
    assert.ok(Object.isFrozen(q));
    assert.equal(validate(''), q);
    assert.deepEqual({ ...validate('batch=5&other=x') }, { batch: 5 });
    for (let i = 0; i < 2; i++) assert.throws(() => validate('batch=0'), /query parameter batch must be >= 1/);
  });
});
