// ZkGatewaySource against a real ZooKeeper: joins and leaves within 1 s, bad nodes, ZooKeeper restart, session expiry.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayRegistry } from '../../gateway/registry/gateway-registry.js';
import { createLogger } from '../log.js';
import { gatewayPath } from '../zk/paths.js';
import { ZkClient } from '../zk/zk-client.js';
import { expireSession, randomChroot, startPartitionProxy } from '../zk/testing/zk-test-kit.js';
import { requireZookeeper } from '../../test/helpers/services.js';
import { startPrivateZookeeper } from '../../test/helpers/zookeeper-server.js';
import { uniqueName } from '../../test/helpers/unique-name.js';
import { waitFor, withTimeout } from '../../test/helpers/wait-for.js';
import type { GatewayEndpoint } from './gateway-endpoint.js';
import { StaticGatewaySource } from './static-gateway-source.js';
import { ZkGatewaySource } from './zk-gateway-source.js';

const endpoint = (id: string, zone: string): GatewayEndpoint => ({
  id,
  zone,
  host: '127.0.0.1',
  pub: `127.0.0.1:${10_000 + id.length}`,
  sub: '',
  man: '',
  cpu: 2,
  ver: 'test',
  startedAt: Date.now(),
});

const ids = (g: readonly GatewayEndpoint[]): string[] => g.map((x) => x.id);

/** Resolves with the first set (and when it came) for which `pred` holds, the current one included. */
function nextSet(src: ZkGatewaySource, pred: (ids: string[]) => boolean, timeoutMs = 5000) {
  const p = new Promise<{ set: readonly GatewayEndpoint[]; at: number }>((resolve) => {
    if (pred(ids(src.snapshot()))) return resolve({ set: src.snapshot(), at: Date.now() });
    const off = src.onChange((set) => {
      if (!pred(ids(set))) return;
      off();
      resolve({ set, at: Date.now() });
    });
  });
  return withTimeout(p, timeoutMs, 'gateway set');
}

describe('ZkGatewaySource', () => {
  let shared: string;
  before(async () => {
    shared = await requireZookeeper();
  });

  it('sees a join within 1 s and a leave, sorted by id, from an initially absent zone', async () => {
    const { connectString } = await randomChroot(shared);
    const watcherZk = await ZkClient.connect({ connectString });
    const gwZk = await ZkClient.connect({ connectString });
    const zone = uniqueName('zone');
    const src = await ZkGatewaySource.start({ zk: watcherZk, zone });
    try {
      assert.deepEqual(src.snapshot(), []);
      const delays: number[] = [];
      const regs: GatewayRegistry[] = [];
      const eps = new Map<string, GatewayEndpoint>();
      for (const id of ['gw-b', 'gw-a', 'gw-c']) {
        eps.set(id, endpoint(id, zone));
        const reg = new GatewayRegistry({ zk: gwZk, endpoint: eps.get(id)! });
        const seen = nextSet(src, (s) => s.includes(id));
        await reg.register();
        const registeredAt = Date.now();
        delays.push((await seen).at - registeredAt);
        regs.push(reg);
      }
      assert.deepEqual(ids(src.snapshot()), ['gw-a', 'gw-b', 'gw-c']);
      assert.deepEqual(src.snapshot(), ['gw-a', 'gw-b', 'gw-c'].map((id) => eps.get(id)));
      for (const d of delays) assert.ok(d < 1000, `join seen after ${d} ms`);
      const left = nextSet(src, (s) => !s.includes('gw-b'));
      const t0 = Date.now();
      await regs[0]?.deregister();
      await left;
      console.log(`# join seen after ${delays.join(', ')} ms; leave seen after ${Date.now() - t0} ms`);
      assert.deepEqual(ids(src.snapshot()), ['gw-a', 'gw-c']);
    } finally {
      await src.close();
      await watcherZk.close();
      await gwZk.close();
    }
  });

  it('skips nodes that are not a valid endpoint, with one warning each', async () => {
    const { connectString } = await randomChroot(shared);
    const zk = await ZkClient.connect({ connectString });
    const zone = uniqueName('zone');
    const lines: string[] = [];
    const log = createLogger({}, 'warn', (l) => lines.push(l));
    await zk.create(gatewayPath(zone, 'junk'), 'not json', { parents: true });
    await zk.create(gatewayPath(zone, 'liar'), JSON.stringify(endpoint('someone-else', zone)));
    const src = await ZkGatewaySource.start({ zk, zone, log });
    try {
      await new GatewayRegistry({ zk, endpoint: endpoint('gw-ok', zone) }).register();
      await nextSet(src, (s) => s.includes('gw-ok'));
      assert.deepEqual(ids(src.snapshot()), ['gw-ok']);
      const warnings = lines.filter((l) => l.includes('skipping unparsable gateway node'));
      assert.equal(warnings.length, 2, warnings.join(''));
    } finally {
      await src.close();
      await zk.close();
    }
  });

  it('keeps the last set while ZooKeeper is down, then recovers and sees changes again', async () => {
    const server = await startPrivateZookeeper();
    const zone = uniqueName('zone');
    // Sessions long enough to outlive the restart: both keep their session and the registrations stay.
    const opts = { connectString: server.connectString, sessionTimeoutMs: 5000 };
    const watcherZk = await ZkClient.connect(opts);
    const gwZk = await ZkClient.connect(opts);
    const src = await ZkGatewaySource.start({ zk: watcherZk, zone });
    try {
      const a = new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-a', zone) });
      const b = new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-b', zone) });
      await a.register();
      await b.register();
      await nextSet(src, (s) => s.length === 2);
      let changes = 0;
      src.onChange(() => changes++);
      await server.stop();
      await waitFor(() => !src.connected, { timeoutMs: 5000, message: 'source disconnected' });
      assert.deepEqual(ids(src.snapshot()), ['gw-a', 'gw-b'], 'last set kept while ZooKeeper is down');
      const t0 = Date.now();
      await server.restart();
      await waitFor(() => src.connected, { timeoutMs: 5000, message: 'source reconnected' });
      const reconnectMs = Date.now() - t0;
      assert.equal(changes, 0, 'an unchanged set is not re-announced');
      const left = nextSet(src, (s) => s.join() === 'gw-b');
      await a.deregister();
      await left;
      const joined = nextSet(src, (s) => s.join() === 'gw-b,gw-c');
      await new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-c', zone) }).register();
      await joined;
      console.log(`# ZooKeeper restart: source connected again ${reconnectMs} ms after start began`);
    } finally {
      await src.close();
      await watcherZk.close();
      await gwZk.close();
      await server.close();
    }
  });

  it('re-arms its watch on the new session after its own session expired', async () => {
    const { connectString, chroot } = await randomChroot(shared);
    const proxy = await startPartitionProxy(shared);
    const watcherZk = await ZkClient.connect({ connectString: proxy.address + chroot, sessionTimeoutMs: 1000 });
    const gwZk = await ZkClient.connect({ connectString });
    const zone = uniqueName('zone');
    const src = await ZkGatewaySource.start({ zk: watcherZk, zone });
    try {
      await new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-a', zone) }).register();
      await nextSet(src, (s) => s.join() === 'gw-a');
      // While cut off, a gateway joins: the source must catch up on reconnect, then keep following.
      await expireSession(watcherZk, proxy, gwZk, {
        whileCut: () => new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-b', zone) }).register(),
      });
      assert.deepEqual(ids(src.snapshot()), ['gw-a'], 'nothing seen while cut off');
      await nextSet(src, (s) => s.join() === 'gw-a,gw-b');
      const joined = nextSet(src, (s) => s.join() === 'gw-a,gw-b,gw-c');
      await new GatewayRegistry({ zk: gwZk, endpoint: endpoint('gw-c', zone) }).register();
      await joined;
    } finally {
      await src.close();
      await watcherZk.close();
      await gwZk.close();
      await proxy.close();
    }
  });
});

describe('StaticGatewaySource', () => {
  it('serves its list sorted by id and notifies on replace()', () => {
    const src = new StaticGatewaySource([endpoint('b', 'z'), endpoint('a', 'z')]);
    assert.deepEqual(ids(src.snapshot()), ['a', 'b']);
    const seen: string[][] = [];
    const off = src.onChange((g) => seen.push(ids(g)));
    src.replace([endpoint('c', 'z')]);
    off();
    src.replace([]);
    assert.deepEqual(seen, [['c']]);
  });
});
