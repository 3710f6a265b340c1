// GatewayRegistry against a real ZooKeeper: register, duplicates, a kill -9'd registrant, stale nodes, expiry, deregister.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isAppError } from '../../shared/errors.js';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import { gatewayPath } from '../../shared/zk/paths.js';
import { ZkClient, type ZkWatchEvent } from '../../shared/zk/zk-client.js';
import { expireSession, randomChroot, startPartitionProxy } from '../../shared/zk/testing/zk-test-kit.js';
import { requireZookeeper } from '../../test/helpers/services.js';
import { uniqueName } from '../../test/helpers/unique-name.js';
import { waitFor, withTimeout } from '../../test/helpers/wait-for.js';
import { GatewayRegistry } from './gateway-registry.js';

const fixture = fileURLToPath(new URL('./registry-child.fixture.js', import.meta.url));

const endpoint = (id: string, zone: string, pub = '127.0.0.1:19191'): GatewayEndpoint => ({
  id,
  zone,
  host: '127.0.0.1',
  pub,
  sub: '',
  man: '',
  cpu: 1,
  ver: 'test',
  startedAt: Date.now(),
});

/** Resolves when `path` is deleted (or is already absent): an exists watch, no polling. */
function whenDeleted(zk: ZkClient, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = (e: ZkWatchEvent): void => {
      if (e.type === 'deleted') resolve();
      else zk.exists(path, watcher).then((s) => s || resolve(), reject);
    };
    zk.exists(path, watcher).then((s) => s || resolve(), reject);
  });
}

/** Starts the fixture in a child process; resolves with it and its session id once it has registered. */
async function spawnRegistrant(cs: string, zone: string, id: string, pub: string) {
  const child = spawn(process.execPath, [fixture, cs, zone, id, pub], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`registrant exited with ${code}`)));
  });
  const { registered } = JSON.parse(await withTimeout(first, 10_000, 'child registration')) as { registered: string };
  return { child, session: registered };
}

describe('GatewayRegistry', () => {
  let shared: string;
  before(async () => {
    shared = await requireZookeeper();
  });

  it('registers an ephemeral node holding the endpoint JSON', async () => {
    const { connectString } = await randomChroot(shared);
    const zk = await ZkClient.connect({ connectString });
    try {
      const ep = endpoint('gw-1', uniqueName('zone'));
      const reg = new GatewayRegistry({ zk, endpoint: ep });
      await reg.register();
      const node = await zk.getData(gatewayPath(ep.zone, ep.id));
      assert.deepEqual(JSON.parse(String(node?.data)), ep);
      assert.equal(node?.stat.ephemeralOwner, zk.sessionId);
      await reg.register(); // idempotent on the same session
    } finally {
      await zk.close();
    }
  });

  it('refuses a duplicate live id with CONFLICT and leaves the first node alone', async () => {
    const { connectString } = await randomChroot(shared);
    const a = await ZkClient.connect({ connectString });
    const b = await ZkClient.connect({ connectString });
    try {
      const zone = uniqueName('zone');
      await new GatewayRegistry({ zk: a, endpoint: endpoint('gw-1', zone, '127.0.0.1:1001') }).register();
      const dup = new GatewayRegistry({ zk: b, endpoint: endpoint('gw-1', zone, '127.0.0.1:2002') });
      await assert.rejects(dup.register(), (e: unknown) => {
        assert.ok(isAppError(e) && e.code === 'CONFLICT' && e.status === 409);
        assert.match(e.message, /gateway id "gw-1" is already registered .* 127\.0\.0\.1:1001/);
        return true;
      });
      assert.equal((await b.exists(gatewayPath(zone, 'gw-1')))?.ephemeralOwner, a.sessionId);
      assert.equal(await dup.deregister(), false, 'deregister never removes a node of another session');
      assert.ok(await b.exists(gatewayPath(zone, 'gw-1')));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('loses the node of a kill -9ed gateway after the session timeout; a restart with the same id waits it out', async () => {
    const { connectString } = await randomChroot(shared);
    const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 1000 });
    try {
      const zone = uniqueName('zone');
      const path = gatewayPath(zone, 'gw-k');
      const { child, session } = await spawnRegistrant(connectString, zone, 'gw-k', '127.0.0.1:19999');
      assert.equal((await zk.exists(path))?.ephemeralOwner, session);
      const gone = whenDeleted(zk, path);
      const killedAt = Date.now();
      child.kill('SIGKILL');
      // Restarted at once, same id and addresses: the old node is still there, owned by a session not yet expired.
      const restarted = new GatewayRegistry({ zk, endpoint: endpoint('gw-k', zone, '127.0.0.1:19999') });
      const registering = restarted.register();
      await withTimeout(gone, 5000, 'node removal after kill -9');
      const goneMs = Date.now() - killedAt;
      await withTimeout(registering, 5000, 'restart registration');
      const backMs = Date.now() - killedAt;
      assert.equal((await zk.exists(path))?.ephemeralOwner, zk.sessionId);
      assert.ok(goneMs >= 500 && goneMs < 4000, `node went ${goneMs} ms after kill -9 (1 s session)`);
      console.log(`# kill -9 -> node gone ${goneMs} ms, same id registered again ${backMs} ms`);
    } finally {
      await zk.close();
    }
  });

  it('gives up with CONFLICT when a same-address node outlives staleWaitMs', async () => {
    const { connectString } = await randomChroot(shared);
    const squatter = await ZkClient.connect({ connectString });
    const zk = await ZkClient.connect({ connectString });
    try {
      const ep = endpoint('gw-s', uniqueName('zone'));
      await squatter.create(gatewayPath(ep.zone, ep.id), JSON.stringify(ep), { mode: 'ephemeral', parents: true });
      const reg = new GatewayRegistry({ zk, endpoint: { ...ep, startedAt: ep.startedAt + 1 }, staleWaitMs: 300 });
      await assert.rejects(reg.register(), (e: unknown) => isAppError(e) && e.code === 'CONFLICT' && /did not go away/.test(e.message));
    } finally {
      await squatter.close();
      await zk.close();
    }
  });

  it('deregister() removes its node at once, and the session stays usable', async () => {
    const { connectString } = await randomChroot(shared);
    const zk = await ZkClient.connect({ connectString });
    const observer = await ZkClient.connect({ connectString });
    try {
      const ep = endpoint('gw-d', uniqueName('zone'));
      const reg = new GatewayRegistry({ zk, endpoint: ep });
      await reg.register();
      const gone = whenDeleted(observer, reg.path);
      assert.equal(await reg.deregister(), true);
      await withTimeout(gone, 1000, 'deregistration seen by another client');
      assert.ok(zk.connected);
      assert.equal(await reg.deregister(), false);
    } finally {
      await zk.close();
      await observer.close();
    }
  });

  it('re-registers on the new session after its session expired', async () => {
    const { connectString, chroot } = await randomChroot(shared);
    const proxy = await startPartitionProxy(shared);
    const zk = await ZkClient.connect({ connectString: proxy.address + chroot, sessionTimeoutMs: 1000 });
    const observer = await ZkClient.connect({ connectString });
    try {
      const reg = new GatewayRegistry({ zk, endpoint: endpoint('gw-e', uniqueName('zone')) });
      await reg.register();
      const before = zk.sessionId;
      await expireSession(zk, proxy, observer);
      await waitFor(async () => {
        const owner = (await observer.exists(reg.path))?.ephemeralOwner;
        return owner !== undefined && owner !== before && owner === zk.sessionId;
      }, { timeoutMs: 5000, message: 're-registration on the new session' });
    } finally {
      await zk.close();
      await observer.close();
      await proxy.close();
    }
  });
});
