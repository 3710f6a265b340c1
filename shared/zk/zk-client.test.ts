// ZkClient against a real ZooKeeper: CRUD, versions, watches, ephemerals, reconnect, expiry and a new session.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZkClient, type ZkSessionEvent, type ZkWatchEvent } from './zk-client.js';
import { isZkError } from './zk-error.js';
import { expireSession, randomChroot, startPartitionProxy } from './testing/zk-test-kit.js';
import { requireZookeeper } from '../../test/helpers/services.js';
import { startPrivateZookeeper } from '../../test/helpers/zookeeper-server.js';
import { waitFor } from '../../test/helpers/wait-for.js';

const nextEvent = (zk: ZkClient, type: ZkSessionEvent['type']): Promise<ZkSessionEvent> =>
  new Promise((resolve) => {
    const off = zk.onSession((e) => {
      if (e.type !== type) return;
      off();
      resolve(e);
    });
  });

describe('ZkClient', () => {
  let shared: string;
  before(async () => {
    shared = await requireZookeeper();
  });

  it('rejects connect with CONNECT_TIMEOUT naming the address when nothing listens', async () => {
    const t0 = Date.now();
    await assert.rejects(ZkClient.connect({ connectString: '127.0.0.1:1', connectTimeoutMs: 300 }), (e: unknown) => {
      assert.ok(isZkError(e, 'CONNECT_TIMEOUT'));
      assert.match(e.message, /127\.0\.0\.1:1/);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000);
  });

  it('creates with parents, reads, writes with a version, lists, removes recursively', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      await zk.create('/a/b/c', '{"x":1}', { parents: true });
      const node = await zk.getData('/a/b/c');
      assert.equal(node?.data.toString(), '{"x":1}');
      assert.equal(node?.stat.version, 0);
      assert.equal(node?.stat.ephemeralOwner, undefined);
      await zk.setData('/a/b/c', 'v1', 0);
      await assert.rejects(zk.setData('/a/b/c', 'v2', 0), (e: unknown) => isZkError(e, 'BAD_VERSION'));
      await assert.rejects(zk.create('/a/b/c'), (e: unknown) => isZkError(e, 'NODE_EXISTS'));
      await zk.create('/a/b/d');
      assert.deepEqual((await zk.getChildren('/a/b'))?.sort(), ['c', 'd']);
      assert.equal(await zk.getData('/nope'), undefined);
      assert.equal(await zk.getChildren('/nope'), undefined);
      assert.equal(await zk.exists('/nope'), undefined);
      assert.equal((await zk.exists('/a/b'))?.numChildren, 2);
      assert.equal(await zk.remove('/a', { recursive: true }), true);
      assert.equal(await zk.exists('/a'), undefined);
      assert.equal(await zk.remove('/a'), false);
    } finally {
      await zk.close();
    }
  });

  it('fires a child watch once per arm, and re-arms with the same function', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      await zk.mkdirp('/w');
      const seen: ZkWatchEvent[] = [];
      let wake: () => void = () => undefined;
      const watcher = (e: ZkWatchEvent): void => {
        seen.push(e);
        wake();
      };
      const fired = (): Promise<void> => new Promise((r) => (wake = r));
      // Arming twice with the same function registers it once: one event, not two.
      await zk.getChildren('/w', watcher);
      await zk.getChildren('/w', watcher);
      let f = fired();
      await zk.create('/w/one');
      await f;
      f = fired();
      await zk.getChildren('/w', watcher);
      await zk.create('/w/two');
      await f;
      assert.deepEqual(seen, [
        { type: 'childrenChanged', path: '/w' },
        { type: 'childrenChanged', path: '/w' },
      ]);
    } finally {
      await zk.close();
    }
  });

  it('removes an ephemeral node when its session closes', async () => {
    const cs = (await randomChroot(shared)).connectString;
    const owner = await ZkClient.connect({ connectString: cs });
    const other = await ZkClient.connect({ connectString: cs });
    try {
      await owner.create('/e/me', 'x', { mode: 'ephemeral', parents: true });
      assert.equal((await other.exists('/e/me'))?.ephemeralOwner, owner.sessionId);
      assert.equal((await other.exists('/e'))?.ephemeralOwner, undefined, 'parents are persistent');
      await owner.close();
      await waitFor(async () => (await other.exists('/e/me')) === undefined, { timeoutMs: 2000, message: 'ephemeral removal' });
    } finally {
      await owner.close();
      await other.close();
    }
  });

  it('opens a new session after expiry and reports expired then connected(newSession)', async () => {
    const { connectString: cs, chroot } = await randomChroot(shared);
    const proxy = await startPartitionProxy(shared);
    const zk = await ZkClient.connect({ connectString: proxy.address + chroot, sessionTimeoutMs: 1000 });
    const observer = await ZkClient.connect({ connectString: cs });
    try {
      const first = zk.sessionId;
      const connected = nextEvent(zk, 'connected');
      await expireSession(zk, proxy, observer);
      const e = await connected;
      assert.equal(e.type === 'connected' && e.newSession, true);
      assert.notEqual(zk.sessionId, first);
      await zk.create('/after-expiry');
      assert.ok(await zk.exists('/after-expiry'));
    } finally {
      await zk.close();
      await observer.close();
      await proxy.close();
    }
  });

  it('keeps its session across a ZooKeeper restart, and operations time out while it is down', async () => {
    const server = await startPrivateZookeeper();
    const zk = await ZkClient.connect({
      connectString: server.connectString,
      sessionTimeoutMs: 4000,
      operationTimeoutMs: 300,
    });
    try {
      const session = zk.sessionId;
      const down = nextEvent(zk, 'disconnected');
      await server.stop();
      await down;
      assert.equal(zk.connected, false);
      await assert.rejects(zk.getData('/'), (e: unknown) => isZkError(e, 'TIMEOUT') && e.retriable);
      const up = nextEvent(zk, 'connected');
      await server.restart();
      const e = await up;
      assert.equal(e.type === 'connected' && e.newSession, false);
      assert.equal(zk.sessionId, session);
    } finally {
      await zk.close();
      await server.close();
    }
  });

  it('with digest auth, creates nodes only that identity can read or change, and re-authenticates after expiry', async () => {
    const { connectString, chroot } = await randomChroot(shared);
    assert.throws(() => ZkClient.open({ connectString, auth: 'no-colon' }), /user:password/);
    const proxy = await startPartitionProxy(shared);
    const owner = await ZkClient.connect({ connectString: proxy.address + chroot, auth: 'kateway:s3cret', sessionTimeoutMs: 1000 });
    const peer = await ZkClient.connect({ connectString, auth: 'kateway:s3cret' });
    const stranger = await ZkClient.connect({ connectString });
    const wrongKey = await ZkClient.connect({ connectString, auth: 'kateway:guess' });
    try {
      await owner.create('/_kateway/ids/local/1', '{"id":"1"}', { parents: true, mode: 'ephemeral' });
      assert.equal((await peer.getData('/_kateway/ids/local/1'))?.data.toString(), '{"id":"1"}');
      await peer.create('/_kateway/ids/local/2', '{"id":"2"}', { mode: 'ephemeral' });
      for (const zk of [stranger, wrongKey]) {
        const denied = (e: unknown): boolean => isZkError(e, 'NO_AUTH');
        await assert.rejects(zk.getData('/_kateway/ids/local/1'), denied);
        await assert.rejects(zk.getChildren('/_kateway/ids/local'), denied);
        await assert.rejects(zk.setData('/_kateway/ids/local/1', 'forged'), denied);
        await assert.rejects(zk.create('/_kateway/ids/local/evil', '{}'), denied);
        await assert.rejects(zk.remove('/_kateway/ids/local/1'), denied);
      }
      assert.deepEqual((await owner.getChildren('/_kateway/ids/local'))?.sort(), ['1', '2']);
      // A new session (after expiry) authenticates again: it still reads and creates under the protected tree.
      await expireSession(owner, proxy, peer);
      await waitFor(async () => (await owner.getChildren('/_kateway/ids/local'))?.join() === '2', {
        timeoutMs: 5000,
        message: 'the expired session lost its ephemeral node; the new session can list the protected tree',
      });
      await owner.create('/_kateway/ids/local/1', '{"id":"1"}', { mode: 'ephemeral' });
      assert.equal((await peer.getData('/_kateway/ids/local/1'))?.data.toString(), '{"id":"1"}');
    } finally {
      await Promise.all([owner.close(), peer.close(), stranger.close(), wrongKey.close()]);
      await proxy.close();
    }
  });
});
