// The v1 API end to end on the Kafka store: admin topic creation with partitions, keyed publish, group consumption.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { adler32 } from '../../shared/hash/adler32.js';
import { silentLogger } from '../../shared/log.js';
import { createStore } from '../../gateway/store/create-store.js';
import { partitionForKey } from '../../gateway/store/partitioner.js';
import { decodeBinaryRecords } from '../../gateway/sub/record-codec.js';
import { hostList, requireKafka } from '../helpers/services.js';
import { ADMIN_KEY, apps, call, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

const run = promisify(execFile);

describe('Gateway > on Kafka', { timeout: 180_000 }, () => {
  let t: TestGateway;
  let brokers: string[];
  before(async () => {
    brokers = hostList(await requireKafka());
    const store = await createStore({ kind: 'kafka', brokers }, silentLogger);
    t = await startTestGateway({ store: { kind: 'kafka', brokers } }, store);
  });
  after(() => t?.close());

  it('creates a 3-partition topic, routes keys like Kafka, and delivers every message to each group', async () => {
    const topic = uniq('k');
    const created = await call(t.url('man', `/v1/topics/alpha/${topic}/v1?partitions=3&replicas=1`), {
      method: 'POST',
      headers: { appid: 'admin', pubkey: ADMIN_KEY },
    });
    // alpha owns only fixed topic names; the admin creates under any app and demo publishes to its own topics.
    assert.equal(created.status, 201);
    const mine = uniq('k');
    assert.equal((await call(t.url('man', `/v1/topics/demo/${mine}/v1?partitions=3`), { method: 'POST', headers: { appid: 'admin', pubkey: ADMIN_KEY } })).status, 201);
    const parts = await call(t.url('man', `/v1/partitions/demo/${mine}/v1`), { headers: { appid: 'admin', pubkey: ADMIN_KEY } });
    assert.equal(parts.json()['num'], 3);

    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const key = `user-${i}`;
      const r = await call(t.url('pub', `/v1/msgs/${mine}/v1?key=${key}`), { method: 'POST', headers: pubHeaders(apps.demo, { 'x-tag': 't' }), body: `v${i}` });
      assert.equal(r.status, 201, r.body.toString());
      assert.equal(Number(r.headers['x-partition']), partitionForKey(key, 3), 'same partition as any Kafka client');
      sent.push(`v${i}`);
    }
    const batch = await call(t.url('pub', `/v1/msgs/${mine}/v1?batch=1`), {
      method: 'POST',
      headers: pubHeaders(apps.demo, { 'content-type': 'application/json' }),
      body: JSON.stringify(['b0', 'b1', 'b2']),
    });
    assert.equal(batch.status, 201);
    sent.push('b0', 'b1', 'b2');

    for (const group of [uniq('g'), uniq('g')]) {
      const got: string[] = [];
      while (got.length < sent.length) {
        const r = await call(t.url('sub', `/v1/msgs/demo/${mine}/v1?group=${group}&batch=100`), { headers: subHeaders(apps.demo) });
        if (r.status === 200) got.push(...decodeBinaryRecords(r.body).records.map((x) => x.value.toString()));
        else assert.equal(r.status, 204, r.body.toString());
      }
      assert.deepEqual([...got].sort(), [...sent].sort(), 'each group gets every message once');
    }
  });

  it('concurrent first publishes to a new topic all succeed (demo auto-create on Kafka)', async () => {
    const topic = uniq('race');
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => (await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: `m${i}` })).status),
    );
    assert.deepEqual(statuses, Array(8).fill(201));
  });

  it("a publish to v10 lands in the original's Kafka topic appid.topic.v10.<adler32 cookie>, where kcat reads it", async () => {
    const topic = uniq('cookie');
    const r = await call(t.url('pub', `/v1/msgs/${topic}/v10`), { method: 'POST', headers: pubHeaders(apps.demo, { 'x-tag': 'a=b' }), body: 'long version' });
    assert.equal(r.status, 201, r.body.toString());
    const kafkaTopic = `demo.${topic}.v10.${adler32(`demo${topic}`) % 1000}`;
    const { stdout } = await run('kcat', ['-C', '-b', brokers[0]!, '-t', kafkaTopic, '-o', 'beginning', '-e', '-q', '-f', '%h|%s\\n'], { timeout: 30_000 });
    assert.equal(stdout, 'X-Tag=a=b|long version\n');
    const sub = await call(t.url('sub', `/v1/msgs/demo/${topic}/v10?group=${uniq('g')}`), { headers: subHeaders(apps.demo) });
    assert.equal(sub.body.toString(), 'long version', 'subscribe maps v10 to the same topic');
  });
});
