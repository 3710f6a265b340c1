// MetaWriter against a real ZooKeeper: hashed secrets, validation, NOT_FOUND, and no lost updates between writers.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../errors.js';
import { verifySecret } from '../secret-hash.js';
import { requireZookeeper } from '../../test/helpers/services.js';
import { parseMetaApp } from './meta-layout.js';
import { MetaWriter } from './meta-writer.js';
import { META_APPS, metaAppPath } from './paths.js';
import { randomChroot } from './testing/zk-test-kit.js';
import { ZkClient } from './zk-client.js';

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;

describe('MetaWriter', () => {
  let shared: string;
  before(async () => {
    shared = await requireZookeeper();
  });

  it('stores one JSON node per app with a salted hash, never the secret', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      const w = new MetaWriter(zk);
      await w.init();
      assert.ok(await zk.exists(META_APPS));
      const a = await w.putApp({ id: 'app1', topics: ['t1'], quotas: { bytesPerSec: 10 } }, 'top-secret');
      const b = await w.putApp({ id: 'app2' }, 'top-secret');
      assert.notEqual(a.salt, b.salt);
      const raw = String((await zk.getData(metaAppPath('app1')))?.data);
      assert.doesNotMatch(raw, /top-secret/);
      const stored = parseMetaApp(raw, 'app1');
      assert.ok(verifySecret(stored, 'top-secret'));
      assert.ok(!verifySecret(stored, 'wrong'));
      assert.deepEqual(stored, { ...a });
      assert.deepEqual(await w.listApps(), ['app1', 'app2']);
      const replaced = await w.putApp({ id: 'app1' }, 'other');
      assert.deepEqual(replaced.topics, [], 'putApp replaces the whole app');
      assert.equal(await w.removeApp('app2'), true);
      assert.equal(await w.getApp('app2'), undefined);
    } finally {
      await zk.close();
    }
  });

  it('edits lists and quotas in place, idempotently', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      const w = new MetaWriter(zk);
      await w.putApp({ id: 'app1' }, 's');
      await w.addTopic('app1', 'orders');
      await w.addTopic('app1', 'orders');
      await w.addSubscription('app1', 'app2.*');
      await w.addGroup('app1', 'g1');
      await w.setQuota('app1', { requestsPerSec: 100 });
      let app = await w.getApp('app1');
      assert.deepEqual([app?.topics, app?.subscriptions, app?.groups, app?.quotas], [['orders'], ['app2.*'], ['g1'], { requestsPerSec: 100 }]);
      await w.removeTopic('app1', 'orders');
      await w.removeSubscription('app1', 'app2.*');
      await w.removeGroup('app1', 'g1');
      await w.setQuota('app1', undefined);
      app = await w.getApp('app1');
      assert.deepEqual([app?.topics, app?.subscriptions, app?.groups, app?.quotas], [[], [], [], undefined]);
    } finally {
      await zk.close();
    }
  });

  it('rejects bad names with BAD_REQUEST and unknown apps with NOT_FOUND', async () => {
    const zk = await ZkClient.connect({ connectString: (await randomChroot(shared)).connectString });
    try {
      const w = new MetaWriter(zk);
      await assert.rejects(w.putApp({ id: 'a/b' }, 's'), code('BAD_REQUEST'));
      await assert.rejects(w.putApp({ id: 'ok' }, ''), code('BAD_REQUEST'));
      await w.putApp({ id: 'ok' }, 's');
      await assert.rejects(w.addTopic('ok', 'bad topic'), code('BAD_REQUEST'));
      await assert.rejects(w.addSubscription('ok', 'no-dot'), code('BAD_REQUEST'));
      await assert.rejects(w.addGroup('ok', 'g!'), code('BAD_REQUEST'));
      await assert.rejects(w.addTopic('nope', 't'), code('NOT_FOUND'));
    } finally {
      await zk.close();
    }
  });

  it('loses no update when two writers edit the same app at once (compare-and-set)', async () => {
    const { connectString } = await randomChroot(shared);
    const a = await ZkClient.connect({ connectString });
    const b = await ZkClient.connect({ connectString });
    try {
      const wa = new MetaWriter(a);
      const wb = new MetaWriter(b);
      await wa.putApp({ id: 'app1' }, 's');
      const topics = Array.from({ length: 10 }, (_, i) => `t${i}`);
      await Promise.all([
        ...topics.map((t) => wa.addTopic('app1', `a-${t}`)),
        ...topics.map((t) => wb.addTopic('app1', `b-${t}`)),
      ]);
      assert.equal((await wa.getApp('app1'))?.topics.length, 20);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
