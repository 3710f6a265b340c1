// HostRegistry: discovery snapshots in, host sets out; state kept per address; empty snapshots ignored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import { silentLogger } from '../../shared/log.js';
import { HostRegistry } from './host-registry.js';
import type { Host } from './host.js';

const gw = (id: string, port: number, cpu = 2): GatewayEndpoint => ({
  id,
  zone: 'z',
  host: '127.0.0.1',
  pub: `127.0.0.1:${port}`,
  sub: `127.0.0.1:${port + 1}`,
  man: `127.0.0.1:${port + 2}`,
  cpu,
  ver: '0',
  startedAt: 0,
});

const ids = (r: HostRegistry, s: 'pub' | 'sub' | 'man'): string[] => r.set(s).hosts.map((h) => h.gatewayId);

describe('HostRegistry > apply', () => {
  it('builds one set per service, sorted by gateway id, weighted by cpu', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    assert.equal(r.apply([gw('b', 2000, 4), gw('a', 1000)]), 'applied');
    assert.deepEqual(ids(r, 'pub'), ['a', 'b']);
    assert.deepEqual(ids(r, 'sub'), ['a', 'b']);
    assert.equal(r.set('man').hosts[1]!.weight, 4);
    assert.equal(r.set('sub').hosts[0]!.address, '127.0.0.1:1001');
    assert.equal(r.stats.gateways, 2);
  });

  it('keeps Host state (counters, ejection) of a listener across updates', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    r.apply([gw('a', 1000)]);
    const h = r.set('pub').hosts[0]!;
    h.stats.requests = 7;
    h.ejected = true;
    r.apply([gw('a', 1000), gw('b', 2000)]);
    assert.equal(r.set('pub').hosts[0], h);
    assert.equal(r.set('pub').hosts[0]!.stats.requests, 7);
  });

  it('reports removed hosts at once and drops them from the sets', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    const removed: Host[] = [];
    r.onRemoved((h) => removed.push(h));
    r.apply([gw('a', 1000), gw('b', 2000)]);
    r.apply([gw('a', 1000)]);
    assert.deepEqual(ids(r, 'sub'), ['a']);
    assert.deepEqual(removed.map((h) => `${h.gatewayId}/${h.service}`).sort(), ['b/man', 'b/pub', 'b/sub']);
  });

  it('keeps the last good set when discovery suddenly reports no gateway', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    r.apply([gw('a', 1000)]);
    const before = r.set('pub');
    assert.equal(r.apply([]), 'ignored-empty');
    assert.equal(r.set('pub'), before);
    assert.equal(r.stats.emptyIgnored, 1);
  });

  it('returns unchanged (same set objects, so rings stay cached) for an identical snapshot', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    r.apply([gw('a', 1000)]);
    const s = r.set('sub');
    assert.equal(r.apply([gw('a', 1000)]), 'unchanged');
    assert.equal(r.set('sub'), s);
  });

  it('skips disabled listeners and bad addresses', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    r.apply([{ ...gw('a', 1000), man: '', pub: 'nonsense' }]);
    assert.deepEqual(ids(r, 'pub'), []);
    assert.deepEqual(ids(r, 'man'), []);
    assert.deepEqual(ids(r, 'sub'), ['a']);
  });

  it('refreshes the weight when a gateway announces a new cpu count', () => {
    const r = new HostRegistry({ maxInflight: 10, logger: silentLogger });
    r.apply([gw('a', 1000, 2)]);
    const s = r.set('sub');
    assert.equal(r.apply([gw('a', 1000, 8)]), 'applied');
    assert.notEqual(r.set('sub'), s);
    assert.equal(r.set('sub').hosts[0]!.weight, 8);
  });
});
