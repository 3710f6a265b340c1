// At-least-once with ack=1: unacknowledged messages come back after the ack deadline; acks and PUT offsets commit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinaryRecords } from '../../gateway/sub/record-codec.js';
import { apps, call, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

describe('Gateway > acknowledgements', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ sub: { ackDeadlineMs: 300 } as never });
  });
  after(() => t.close());

  const publish = async (topic: string, ...bodies: string[]): Promise<void> => {
    for (const b of bodies) {
      assert.equal((await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: b })).status, 201);
    }
  };
  const get = (topic: string, group: string, extra: Record<string, string> = {}, q = '') =>
    call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${group}&ack=1${q}`), { headers: subHeaders(apps.demo, extra) });

  it('redelivers an unacknowledged message after its ack deadline, within the same session', async () => {
    const topic = uniq('a');
    await publish(topic, 'm0', 'm1');
    const first = await get(topic, topic, { 'x-partition': '-1', 'x-offset': '-1' });
    assert.equal(first.body.toString(), 'm0');
    const second = await get(topic, topic);
    assert.equal(second.body.toString(), 'm1', 'm0 is in flight, so the next GET gets m1');
    // Neither is acked: after the 300 ms deadline both come back, in order (the GET long-polls until then).
    const again = await get(topic, topic);
    assert.equal(again.body.toString(), 'm0');
    assert.equal(again.headers['x-offset'], '0');
  });

  it('piggy-backed ack moves on: an acked message is not delivered again', async () => {
    const topic = uniq('a');
    await publish(topic, 'm0', 'm1');
    const m0 = await get(topic, topic);
    assert.equal(m0.body.toString(), 'm0');
    const m1 = await get(topic, topic, { 'x-partition': String(m0.headers['x-partition']), 'x-offset': String(m0.headers['x-offset']) });
    assert.equal(m1.body.toString(), 'm1');
    const ackLast = await get(topic, topic, { 'x-partition': '0', 'x-offset': '1' });
    assert.equal(ackLast.status, 204, 'both acked: nothing is redelivered');
    const status = await call(t.url('man', `/v1/status/demo/${topic}/v1?group=${topic}`), { headers: subHeaders(apps.demo) });
    assert.deepEqual(status.json<{ partitions: unknown[] }>().partitions, [{ partition: 0, pold: 0, pubd: 2, subd: 2, lag: 0 }]);
  });

  it('acking the last record of a chunked batch acknowledges the whole batch', async () => {
    const topic = uniq('a');
    await publish(topic, 'a', 'b', 'c');
    const batch = await get(topic, topic, {}, '&batch=3');
    const recs = decodeBinaryRecords(batch.body).records;
    assert.equal(recs.length, 3);
    const last = recs[2]!;
    const next = await get(topic, topic, { 'x-partition': String(last.partition), 'x-offset': String(last.offset) }, '&batch=3');
    assert.equal(next.status, 204);
  });

  it('PUT /v1/offsets acknowledges everything up to the offset and commits', async () => {
    const topic = uniq('a');
    await publish(topic, 'a', 'b', 'c');
    const batch = await get(topic, topic, {}, '&batch=3');
    assert.equal(decodeBinaryRecords(batch.body).records.length, 3);
    const put = await call(t.url('sub', `/v1/offsets/demo/${topic}/v1/${topic}`), {
      method: 'PUT',
      headers: subHeaders(apps.demo, { 'content-type': 'application/json' }),
      body: JSON.stringify([{ partition: 0, offset: 1 }]),
    });
    assert.equal(put.status, 200);
    const status = await call(t.url('man', `/v1/status/demo/${topic}/v1?group=${topic}`), { headers: subHeaders(apps.demo) });
    assert.equal(status.json<{ partitions: { subd: number }[] }>().partitions[0]!.subd, 2);
    // c (offset 2) was not acked: it comes back after the deadline.
    const again = await get(topic, topic);
    assert.equal(again.body.toString(), 'c');
    const bad = await call(t.url('sub', `/v1/offsets/demo/${topic}/v1/${topic}`), { method: 'PUT', headers: subHeaders(apps.demo), body: '{"x":1}' });
    assert.equal(bad.status, 400);
  });

  it('auto-ack mode does not redeliver', async () => {
    const topic = uniq('a');
    await publish(topic, 'only');
    const r = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=auto`), { headers: subHeaders(apps.demo) });
    assert.equal(r.body.toString(), 'only');
    const again = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=auto`), { headers: subHeaders(apps.demo) });
    assert.equal(again.status, 204);
  });
});
