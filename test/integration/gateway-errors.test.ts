// Every limit and error of the v1 API answers the right status with JSON {"errmsg"} and never a stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { apps, call, createTopic, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

describe('Gateway > errors and limits', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ limits: { minPubBytes: 1, maxPubBytes: 1024, maxBatchBodyBytes: 64 * 1024, maxBatchMessages: 10, maxKeyBytes: 256, maxTagBytes: 1024, maxSubBatch: 100 } });
  });
  after(() => t.close());

  const expectError = async (
    status: number,
    url: string,
    opts: Parameters<typeof call>[1],
    pattern: RegExp,
  ): Promise<void> => {
    const r = await call(url, opts);
    assert.equal(r.status, status, `${url}: ${r.body.toString()}`);
    const body = r.json<{ errmsg: string }>();
    assert.match(body.errmsg, pattern);
    assert.doesNotMatch(r.body.toString(), /at .*\.js:\d+/); // no stack trace
  };

  it('401 without credentials or with a wrong key', async () => {
    await expectError(401, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', body: 'a' }, /empty identity/);
    await expectError(401, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', headers: { appid: 'demo', pubkey: 'nope' }, body: 'a' }, /authentication/);
    await expectError(401, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', headers: { appid: 'ghost', pubkey: 'x' }, body: 'a' }, /authentication/);
    await expectError(401, t.url('sub', '/v1/msgs/demo/x/v1?group=g'), { headers: { appid: 'demo', subkey: 'nope' } }, /authentication/);
  });

  it('403 for a topic the app does not own, a topic it is not subscribed to, an unregistered group', async () => {
    await expectError(403, t.url('pub', '/v1/msgs/notmine/v1'), { method: 'POST', headers: pubHeaders(apps.alpha), body: 'a' }, /does not own/);
    await createTopic(t, 'alpha', 'events');
    await expectError(403, t.url('sub', '/v1/msgs/alpha/events/v1?group=billing'), { headers: subHeaders(apps.beta) }, /not subscribed/);
    await createTopic(t, 'alpha', 'orders');
    await expectError(403, t.url('sub', '/v1/msgs/alpha/orders/v1?group=rogue'), { headers: subHeaders(apps.beta) }, /registered/);
  });

  it('404 for an unknown topic, route, and 405 for a wrong method', async () => {
    await expectError(404, t.url('pub', '/v1/msgs/big/v1'), { method: 'POST', headers: pubHeaders(apps.alpha), body: 'a' }, /topic not found/);
    await expectError(404, t.url('sub', '/v1/msgs/demo/nothere/v9?group=g'), { headers: subHeaders(apps.demo) }, /topic not found/);
    await expectError(404, t.url('pub', '/nope'), {}, /no route/);
    await expectError(404, t.url('sub', '/v1/msgs/x/v1'), { method: 'POST', body: 'a' }, /no route/); // pub route not on the sub listener
    const r = await call(t.url('pub', '/v1/msgs/x/v1'), { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.equal(r.headers['allow'], 'POST');
  });

  it('413 for a message over the limit, 400 for an empty one, a long key or tag', async () => {
    await expectError(413, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', headers: pubHeaders(apps.demo), body: Buffer.alloc(1025) }, /too big message/);
    await expectError(400, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', headers: pubHeaders(apps.demo), body: '' }, /too small/);
    await expectError(400, t.url('pub', `/v1/msgs/x/v1?key=${'k'.repeat(257)}`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'a' }, /too big key/);
    await expectError(400, t.url('pub', '/v1/msgs/x/v1'), { method: 'POST', headers: pubHeaders(apps.demo, { 'x-tag': 't'.repeat(1025) }), body: 'a' }, /too big tag/);
  });

  it('400 for bad names and parameters', async () => {
    await expectError(400, t.url('pub', '/v1/msgs/bad.name/v1'), { method: 'POST', headers: pubHeaders(apps.demo), body: 'a' }, /invalid topic/);
    await expectError(400, t.url('pub', `/v1/msgs/${'x'.repeat(65)}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'a' }, /invalid topic/);
    await expectError(400, t.url('pub', '/v1/msgs/a%2Fb/v1'), { method: 'POST', headers: pubHeaders(apps.demo), body: 'a' }, /invalid topic/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1'), { headers: subHeaders(apps.demo) }, /missing query parameter group/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1?group=a.b'), { headers: subHeaders(apps.demo) }, /group/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1?group=g&batch=0'), { headers: subHeaders(apps.demo) }, /batch/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1?group=g&batch=101'), { headers: subHeaders(apps.demo) }, /batch/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1?group=g&reset=latest'), { headers: subHeaders(apps.demo) }, /reset/);
    await expectError(400, t.url('sub', '/v1/msgs/demo/x/v1?group=g&ack=1'), { headers: subHeaders(apps.demo, { 'x-partition': '0' }) }, /partial ack/);
  });

  it('batch publish: malformed bodies are 400, too many messages 413, and a bad message stores nothing', async () => {
    const topic = uniq('b');
    const url = t.url('pub', `/v1/msgs/${topic}/v1?batch=1`);
    const json = pubHeaders(apps.demo, { 'content-type': 'application/json' });
    await expectError(400, url, { method: 'POST', headers: json, body: '[not json' }, /invalid JSON/);
    await expectError(400, url, { method: 'POST', headers: json, body: '{"value":"x"}' }, /array/);
    await expectError(400, url, { method: 'POST', headers: json, body: '[]' }, /empty batch/);
    await expectError(400, url, { method: 'POST', headers: json, body: '[1]' }, /string or an object/);
    await expectError(400, url, { method: 'POST', headers: pubHeaders(apps.demo, { 'content-type': 'text/plain' }), body: 'x' }, /Content-Type/);
    await expectError(413, url, { method: 'POST', headers: json, body: JSON.stringify(Array(11).fill('x')) }, /too many/);
    await expectError(413, url, { method: 'POST', headers: json, body: JSON.stringify(['ok', 'x'.repeat(1025)]) }, /too big message/);
    assert.equal(await t.store.hasTopic(`demo.${topic}.v1`), false, 'nothing of the rejected batch was stored');
  });

  it('survives garbage on the wire and answers the next request on a new connection', async () => {
    const garbage = await new Promise<string>((resolve) => {
      const sock = net.connect(t.gw.ports.pub, '127.0.0.1', () => sock.write('\x00\x01GARBAGE \r\n\r\n'));
      let out = '';
      sock.on('data', (d) => (out += d.toString()));
      sock.on('close', () => resolve(out));
    });
    assert.match(garbage, /^HTTP\/1\.1 400/);
    assert.match(garbage, /"errmsg"/);
    const r = await call(t.url('pub', '/alive'));
    assert.equal(r.status, 200);
  });
});
