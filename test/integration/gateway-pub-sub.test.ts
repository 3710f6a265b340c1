// The v1 pub/sub API through real sockets: publish, long-poll subscribe, batches, fan-out/fan-in, tracing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinaryRecords } from '../../gateway/sub/record-codec.js';
import { apps, call, createTopic, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

describe('Gateway > publish and subscribe', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  it('publishes a message (201 with X-Partition/X-Offset) and delivers it with its key and tag', async () => {
    const topic = uniq('t');
    const pub = await call(t.url('pub', `/v1/msgs/${topic}/v1?key=user-7`), {
      method: 'POST',
      headers: pubHeaders(apps.demo, { 'x-tag': 'a=b;c=d' }),
      body: 'hello',
    });
    assert.equal(pub.status, 201);
    assert.deepEqual(pub.json(), { ok: 1, partition: 0, offset: 0 });
    assert.equal(pub.headers['x-partition'], '0');
    assert.equal(pub.headers['x-offset'], '0');
    const sub = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=g1`), { headers: subHeaders(apps.demo) });
    assert.equal(sub.status, 200);
    assert.equal(sub.body.toString(), 'hello');
    assert.equal(sub.headers['x-partition'], '0');
    assert.equal(sub.headers['x-offset'], '0');
    assert.equal(sub.headers['x-key'], 'user-7');
    assert.equal(sub.headers['x-tag'], 'a=b;c=d');
  });

  it('long-polls: a waiting GET is answered by the next publish, and 204 when nothing comes', async () => {
    const topic = uniq('t');
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'first' });
    const g = uniq('g');
    const first = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${g}`), { headers: subHeaders(apps.demo) });
    assert.equal(first.body.toString(), 'first');
    const waiting = call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${g}`), { headers: subHeaders(apps.demo) });
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'second' });
    const second = await waiting;
    assert.equal(second.status, 200);
    assert.equal(second.body.toString(), 'second');
    const empty = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${g}`), { headers: subHeaders(apps.demo) });
    assert.equal(empty.status, 204);
    assert.equal(empty.body.length, 0);
  });

  it('streams a chunked batch as binary records, ending after the idle time', async () => {
    const topic = uniq('t');
    for (let i = 0; i < 5; i++) {
      await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: Buffer.from([1, i, 255]) });
    }
    const res = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${uniq('g')}&batch=10`), { headers: subHeaders(apps.demo) });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    const { records, rest } = decodeBinaryRecords(res.body);
    assert.equal(rest.length, 0);
    assert.deepEqual(
      records.map((r) => [r.partition, r.offset, [...r.value]]),
      [0, 1, 2, 3, 4].map((i) => [0, i, [1, i, 255]]),
    );
  });

  it('streams NDJSON when asked, with binary values in base64', async () => {
    const topic = uniq('t');
    await call(t.url('pub', `/v1/msgs/${topic}/v1?key=k`), { method: 'POST', headers: pubHeaders(apps.demo, { 'x-tag': 'x' }), body: 'text' });
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: Buffer.from([0xff, 0xfe]) });
    const res = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${uniq('g')}&batch=2`), {
      headers: subHeaders(apps.demo, { accept: 'application/x-ndjson' }),
    });
    const lines = res.body.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!['value'], 'text');
    assert.equal(lines[0]!['key'], 'k');
    assert.equal(lines[0]!['tag'], 'x');
    assert.equal(lines[1]!['encoding'], 'base64');
    assert.equal(Buffer.from(lines[1]!['value'] as string, 'base64').toString('hex'), 'fffe');
  });

  it('publishes a JSON batch and an NDJSON batch with the position of every message', async () => {
    const topic = uniq('t');
    const json = await call(t.url('pub', `/v1/msgs/${topic}/v1?batch=1`), {
      method: 'POST',
      headers: pubHeaders(apps.demo, { 'content-type': 'application/json' }),
      body: JSON.stringify(['a', { value: 'b', key: 'k1', tag: 't1' }, { value: Buffer.from('c').toString('base64'), encoding: 'base64' }]),
    });
    assert.equal(json.status, 201);
    assert.deepEqual(json.json()['messages'], [0, 1, 2].map((offset) => ({ partition: 0, offset })));
    const nd = await call(t.url('pub', `/v1/msgs/${topic}/v1?batch=1`), {
      method: 'POST',
      headers: pubHeaders(apps.demo, { 'content-type': 'application/x-ndjson' }),
      body: '"d"\n{"value":"e"}\n',
    });
    assert.equal(nd.status, 201);
    assert.equal(nd.json()['count'], 2);
    const res = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${uniq('g')}&batch=5`), { headers: subHeaders(apps.demo) });
    assert.deepEqual(decodeBinaryRecords(res.body).records.map((r) => r.value.toString()), ['a', 'b', 'c', 'd', 'e']);
  });

  it('fans out to every group and splits within a group (no message twice, none lost)', async () => {
    const topic = uniq('t');
    const n = 40;
    // Fan-in: four publishers at once.
    await Promise.all(
      [0, 1, 2, 3].map(async (p) => {
        for (let i = 0; i < n / 4; i++) {
          const r = await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: `p${p}-${i}` });
          assert.equal(r.status, 201);
        }
      }),
    );
    const drain = async (group: string): Promise<string[]> => {
      const got: string[] = [];
      for (;;) {
        const r = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${group}&batch=7`), { headers: subHeaders(apps.demo) });
        if (r.status === 204) return got;
        got.push(...decodeBinaryRecords(r.body).records.map((x) => x.value.toString()));
      }
    };
    // Two groups: each sees all. Group "shared" has three concurrent consumers: together they see all, once.
    const [solo, ...shared] = await Promise.all([drain('solo'), drain('shared'), drain('shared'), drain('shared')]);
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: n / 4 }, (_, i) => `p${p}-${i}`)).sort();
    assert.deepEqual([...solo!].sort(), expected);
    assert.deepEqual(shared.flat().sort(), expected);
  });

  it('lets another app consume a topic it is subscribed to, with a registered group', async () => {
    const topic = 'orders';
    const res = await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.alpha), body: 'order-1' });
    // orders/v1 does not exist yet for alpha (no auto-create): 404 until an admin creates it.
    assert.equal(res.status, 404);
    await createTopic(t, 'alpha', topic);
    assert.equal((await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.alpha), body: 'order-1' })).status, 201);
    const sub = await call(t.url('sub', `/v1/msgs/alpha/${topic}/v1?group=billing`), { headers: subHeaders(apps.beta) });
    assert.equal(sub.status, 200);
    assert.equal(sub.body.toString(), 'order-1');
  });

  it('answers X-Trace: true with X-Serverid', async () => {
    const r = await call(t.url('pub', '/alive'), { headers: { 'x-trace': 'true' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-serverid'], 'gw-test');
    assert.equal(r.headers['server'], 'kateway');
  });

  it('reports status and Prometheus metrics per app and topic', async () => {
    const topic = uniq('m');
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'x' });
    const status = await call(t.url('man', '/v1/status'));
    assert.equal(status.json()['id'], 'gw-test');
    assert.equal(typeof status.json()['uptimeSec'], 'number');
    const metrics = (await call(t.url('man', '/metrics'))).body.toString();
    assert.match(metrics, new RegExp(`kateway_pub_messages_total\\{appid="demo",topic="demo\\.${topic}\\.v1"\\} 1`));
    assert.match(metrics, /kateway_pub_latency_seconds_bucket/);
  });
});
