// matchRoute: the gateway listener each documented route goes to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedRoute, matchRoute } from './route-table.js';

describe('matchRoute', () => {
  const cases: [string, string, string, boolean][] = [
    ['POST', '/v1/msgs/orders/v1', 'pub', false],
    ['POST', '/v1/msgs/orders/v1?batch=1&key=k', 'pub', false],
    ['GET', '/v1/ws/msgs/orders/v1', 'pub', false],
    ['GET', '/v1/msgs/app1/orders/v1?group=g', 'sub', true],
    ['PUT', '/v1/msgs/app1/orders/v1?group=g', 'sub', true],
    ['GET', '/v1/ws/msgs/app1/orders/v1?group=g', 'sub', true],
    ['PUT', '/v1/offsets/app1/orders/v1/g', 'sub', true],
    ['GET', '/v1/status', 'man', false],
    ['GET', '/v1/status/app1/orders/v1?group=g', 'man', false],
    ['GET', '/v1/partitions/app1/orders/v1', 'man', false],
    ['POST', '/v1/topics/app1/orders/v1', 'man', false],
    ['GET', '/v1/openapi.json', 'man', false],
    ['GET', '/metrics', 'man', false],
    ['GET', '/v1/msgs/orders/v1', 'man', false], // GET on the pub path is not a publish
    ['POST', '/v1/msgs//v1', 'man', false], // empty topic segment
    ['POST', '/v1/msgs/orders/v1/', 'man', false], // trailing slash: one segment more
    ['POST', '/v1/msgs/orders', 'man', false], // one segment fewer
    ['POST', '/v1/msgsx/orders/v1', 'man', false],
    ['GET', '/v1/msgs/app1/orders/v1/?group=g', 'man', false],
  ];
  for (const [method, url, service, sticky] of cases) {
    it(`${method} ${url} → ${service}`, () => {
      const m = matchRoute(method, url);
      assert.equal(m.service, service);
      assert.equal(m.sticky, sticky);
    });
  }

  it('names the topic scope for rate limits', () => {
    assert.equal(matchRoute('POST', '/v1/msgs/orders/v1?x=1').topic, 'orders/v1');
    assert.equal(matchRoute('GET', '/v1/msgs/app1/orders/v1').topic, 'app1/orders/v1');
  });

  it('takes the group of an offset commit from the path', () => {
    assert.equal(matchRoute('PUT', '/v1/offsets/app1/orders/v1/g7').pathGroup, 'g7');
  });

  it('decides a path once: the same frozen decision whatever the query, a different one per path and method', () => {
    const a = matchRoute('POST', '/v1/msgs/memo/v1?key=1');
    assert.equal(matchRoute('POST', '/v1/msgs/memo/v1'), a);
    assert.ok(Object.isFrozen(a));
    assert.equal(matchRoute('POST', '/v1/msgs/memo2/v1').topic, 'memo2/v1');
    assert.equal(matchRoute('GET', '/v1/msgs/memo/v1').service, 'man');
  });

  it('a listener bound to a service routes everything there', () => {
    assert.deepEqual(fixedRoute('sub'), { service: 'sub', sticky: true });
    assert.deepEqual(fixedRoute('pub'), { service: 'pub', sticky: false });
  });
});
