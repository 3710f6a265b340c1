// ZkTenantSource against a real ZooKeeper: load, changes within 1 s, bad nodes, outages, expiry, the cache file.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { MetaWriter } from '../../shared/zk/meta-writer.js';
import { metaAppPath } from '../../shared/zk/paths.js';
import { ZkClient } from '../../shared/zk/zk-client.js';
import { expireSession, randomChroot, startPartitionProxy } from '../../shared/zk/testing/zk-test-kit.js';
import { requireZookeeper } from '../../test/helpers/services.js';
import { startPrivateZookeeper } from '../../test/helpers/zookeeper-server.js';
import { waitFor, withTimeout } from '../../test/helpers/wait-for.js';
import { Authorizer } from './authorizer.js';
import type { TenantSnapshot } from './tenant-source.js';
import { ZkTenantSource } from './zk-tenant-source.js';

/** Resolves with the first snapshot (current included) for which `pred` holds, and how long it took. */
async function until(src: ZkTenantSource, pred: (s: TenantSnapshot) => boolean, timeoutMs = 3000): Promise<number> {
  const t0 = Date.now();
  if (pred(src.current())) return 0;
  await withTimeout(
    new Promise<void>((resolve) => {
      const off = src.onChange((s) => {
        if (!pred(s)) return;
        off();
        resolve();
      });
    }),
    timeoutMs,
    'tenant snapshot',
  );
  return Date.now() - t0;
}

const app = (s: TenantSnapshot, id: string) => s.apps.get(id);

describe('ZkTenantSource', () => {
  let shared: string;
  before(async () => {
    shared = await requireZookeeper();
  });

  it('refuses to start when ZooKeeper has no metadata and there is no cache', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      await assert.rejects(ZkTenantSource.start({ zk }), (e: unknown) => {
        assert.ok(isAppError(e));
        assert.match(e.message, /has no tenant metadata \(\/_kateway\/meta\/apps does not exist/);
        return true;
      });
    } finally {
      await zk.close();
    }
  });

  it('refuses to start when ZooKeeper is unreachable and there is no cache, naming the address', async () => {
    const zk = ZkClient.open({ connectString: '127.0.0.1:1' });
    try {
      await assert.rejects(ZkTenantSource.start({ zk, startTimeoutMs: 300 }), /127\.0\.0\.1:1 unreachable.*no cached copy/);
    } finally {
      await zk.close();
    }
  });

  it('loads apps and admin, and applies each kind of change within 1 s', async () => {
    const { connectString } = await randomChroot(shared);
    const writerZk = await ZkClient.connect({ connectString });
    const zk = await ZkClient.connect({ connectString });
    const w = new MetaWriter(writerZk);
    await w.putApp({ id: 'app1', topics: ['orders'] }, 'secret-1');
    await w.putApp({ id: 'app2', groups: ['g1'] }, 'secret-2');
    await w.setAdmin('admin-secret');
    const src = await ZkTenantSource.start({ zk });
    try {
      const auth = new Authorizer(src.current());
      src.onChange((s) => auth.update(s));
      assert.deepEqual([...src.current().apps.keys()], ['app1', 'app2']);
      assert.equal(auth.authenticate('app1', 'secret-1').id, 'app1');
      auth.authenticateAdmin('admin', 'admin-secret');
      const delays: Record<string, number> = {};
      const step = async (name: string, write: () => Promise<unknown>, pred: (s: TenantSnapshot) => boolean): Promise<void> => {
        const seen = until(src, pred);
        const t0 = Date.now();
        await write();
        await seen;
        delays[name] = Date.now() - t0;
      };
      await step('addTopic', () => w.addTopic('app2', 'clicks'), (s) => !!app(s, 'app2')?.topics.includes('clicks'));
      await step('addSubscription', () => w.addSubscription('app2', 'app1.orders'), (s) => !!app(s, 'app2')?.subscriptions.includes('app1.orders'));
      await step('addGroup', () => w.addGroup('app2', 'g2'), (s) => !!app(s, 'app2')?.groups.includes('g2'));
      await step('setQuota', () => w.setQuota('app1', { requestsPerSec: 5 }), (s) => app(s, 'app1')?.quotas?.requestsPerSec === 5);
      await step('putApp', () => w.putApp({ id: 'app3' }, 'secret-3'), (s) => s.apps.has('app3'));
      await step('setSecret', () => w.setSecret('app1', 'rotated'), () => {
        try {
          return auth.authenticate('app1', 'rotated').id === 'app1';
        } catch {
          return false;
        }
      });
      await step('removeApp', () => w.removeApp('app2'), (s) => !s.apps.has('app2'));
      await step('setAdmin', () => w.setAdmin('admin-2'), () => {
        try {
          auth.authenticateAdmin('admin', 'admin-2');
          return true;
        } catch {
          return false;
        }
      });
      await step('removeAdmin', () => w.removeAdmin(), (s) => s.admin === undefined);
      await step('setAdmin again', () => w.setAdmin('admin-3'), (s) => s.admin !== undefined);
      for (const [name, ms] of Object.entries(delays)) assert.ok(ms < 1000, `${name} applied after ${ms} ms`);
      console.log(`# meta change -> snapshot: ${Object.entries(delays).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
    } finally {
      await src.close();
      await zk.close();
      await writerZk.close();
    }
  });

  it('keeps the last good version of an app whose node stops parsing', async () => {
    const { connectString } = await randomChroot(shared);
    const zk = await ZkClient.connect({ connectString });
    const w = new MetaWriter(zk);
    await w.putApp({ id: 'app1', topics: ['a'] }, 's');
    const lines: string[] = [];
    const src = await ZkTenantSource.start({ zk, log: createLogger({}, 'warn', (l) => lines.push(l)) });
    try {
      await zk.setData(metaAppPath('app1'), '{"id":"app1","topics":');
      await waitFor(() => lines.some((l) => l.includes('invalid app node')), { timeoutMs: 2000, message: 'warning' });
      assert.deepEqual(src.current().apps.get('app1')?.topics, ['a']);
      await w.putApp({ id: 'app1', topics: ['b'] }, 's');
      await until(src, (s) => s.apps.get('app1')?.topics[0] === 'b');
    } finally {
      await src.close();
      await zk.close();
    }
  });

  it('keeps the last good snapshot while ZooKeeper is down, then applies changes again after a restart', async () => {
    const server = await startPrivateZookeeper();
    const writerZk = await ZkClient.connect({ connectString: server.connectString, sessionTimeoutMs: 5000 });
    const zk = await ZkClient.connect({ connectString: server.connectString, sessionTimeoutMs: 5000 });
    const w = new MetaWriter(writerZk);
    await w.putApp({ id: 'app1', topics: ['a'] }, 's');
    const src = await ZkTenantSource.start({ zk });
    try {
      const before = src.current();
      await server.stop();
      await waitFor(() => !src.connected, { timeoutMs: 5000, message: 'source disconnected' });
      assert.equal(src.current(), before, 'same snapshot object while ZooKeeper is down');
      assert.equal(src.current().apps.get('app1')?.topics[0], 'a');
      await server.restart();
      await waitFor(() => src.connected && writerZk.connected, { timeoutMs: 5000, message: 'reconnected' });
      assert.equal(src.current().apps.get('app1')?.topics.join(), 'a');
      const seen = until(src, (s) => !!s.apps.get('app1')?.topics.includes('b'));
      await w.addTopic('app1', 'b');
      assert.ok((await seen) < 1000);
    } finally {
      await src.close();
      await zk.close();
      await writerZk.close();
      await server.close();
    }
  });

  it('catches up on changes made while its session expired, and keeps watching', async () => {
    const { connectString, chroot } = await randomChroot(shared);
    const proxy = await startPartitionProxy(shared);
    const writerZk = await ZkClient.connect({ connectString });
    const zk = await ZkClient.connect({ connectString: proxy.address + chroot, sessionTimeoutMs: 1000 });
    const w = new MetaWriter(writerZk);
    await w.putApp({ id: 'app1' }, 's');
    const src = await ZkTenantSource.start({ zk });
    try {
      await expireSession(zk, proxy, writerZk, {
        whileCut: async () => {
          await w.addTopic('app1', 'during-outage');
          await w.putApp({ id: 'app2' }, 's');
        },
      });
      assert.equal(src.current().apps.size, 1, 'no change seen while cut off');
      await until(src, (s) => s.apps.has('app2') && !!s.apps.get('app1')?.topics.includes('during-outage'));
      const seen = until(src, (s) => !!s.apps.get('app2')?.groups.includes('g'));
      await w.addGroup('app2', 'g');
      assert.ok((await seen) < 1000);
    } finally {
      await src.close();
      await zk.close();
      await writerZk.close();
      await proxy.close();
    }
  });

  it('starts from its cache file when ZooKeeper is unreachable, then switches to ZooKeeper', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kateway-tenants-'));
    const cacheFile = join(dir, 'tenants.json');
    const { connectString, chroot } = await randomChroot(shared);
    const writerZk = await ZkClient.connect({ connectString });
    const w = new MetaWriter(writerZk);
    await w.putApp({ id: 'app1', topics: ['a'] }, 's1');
    await w.setAdmin('adm');
    const proxy = await startPartitionProxy(shared);
    let zk = await ZkClient.connect({ connectString });
    let src = await ZkTenantSource.start({ zk, cacheFile });
    try {
      await src.close(); // flushes the cache write
      await zk.close();
      assert.equal((await stat(cacheFile)).mode & 0o777, 0o600);
      assert.doesNotMatch(await readFile(cacheFile, 'utf8'), /s1/, 'no clear secrets in the cache');
      proxy.partition();
      zk = ZkClient.open({ connectString: proxy.address + chroot });
      src = await ZkTenantSource.start({ zk, cacheFile, startTimeoutMs: 300 });
      assert.equal(src.origin, 'cache');
      const auth = new Authorizer(src.current());
      assert.equal(auth.authenticate('app1', 's1').id, 'app1');
      auth.authenticateAdmin('admin', 'adm');
      await w.putApp({ id: 'app2' }, 's2');
      proxy.heal();
      await until(src, (s) => s.apps.has('app2'), 5000);
      assert.equal(src.origin, 'zookeeper');
    } finally {
      await src.close();
      await zk.close();
      await writerZk.close();
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
