// WebSocket publish and subscribe through real sockets: frames carry partition/offset, acks travel on the socket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { apps, call, frames, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

describe('Gateway > WebSocket', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ sub: { ackDeadlineMs: 300 } as never });
  });
  after(() => t.close());

  const wsUrl = (listener: 'pub' | 'sub', path: string): string => t.url(listener, path).replace(/^http/, 'ws');

  it('publishes each frame and answers with its offset, then streams them to a subscriber', async () => {
    const topic = uniq('w');
    const pub = new WebSocket(wsUrl('pub', `/v1/ws/msgs/${topic}/v1`), { headers: { appid: 'demo', pubkey: 'demo' } });
    const pubFrame = frames(pub);
    await once(pub, 'open');
    const acks: Record<string, unknown>[] = [];
    for (const m of ['one', 'two', 'three']) {
      pub.send(m);
      acks.push(await pubFrame());
    }
    assert.deepEqual(acks, [0, 1, 2].map((offset) => ({ ok: 1, partition: 0, offset })));
    pub.close();

    const sub = new WebSocket(wsUrl('sub', `/v1/ws/msgs/demo/${topic}/v1?group=ws`), { headers: subHeaders(apps.demo) });
    const nextFrame = frames(sub);
    const got: Record<string, unknown>[] = [];
    for (let i = 0; i < 3; i++) got.push(await nextFrame());
    assert.deepEqual(got.map((f) => [f['offset'], f['value']]), [[0, 'one'], [1, 'two'], [2, 'three']]);
    sub.close();
  });

  it('with ack=1 redelivers a frame that was not acknowledged over the socket', async () => {
    const topic = uniq('w');
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: { appid: 'demo', pubkey: 'demo' }, body: 'x' });
    const sub = new WebSocket(wsUrl('sub', `/v1/ws/msgs/demo/${topic}/v1?group=wsack&ack=1`), { headers: subHeaders(apps.demo) });
    const nextFrame = frames(sub);
    const first = await nextFrame();
    assert.equal(first['value'], 'x');
    const again = await nextFrame(); // not acked: back after the 300 ms deadline
    assert.deepEqual([again['offset'], again['value']], [0, 'x']);
    sub.send(JSON.stringify({ partition: 0, offset: 0 }));
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: { appid: 'demo', pubkey: 'demo' }, body: 'y' });
    const next = await nextFrame();
    assert.equal(next['value'], 'y', 'x was acked and is not delivered a third time');
    sub.close();
  });

  it('refuses a bad upgrade with an HTTP JSON error', async () => {
    const ws = new WebSocket(wsUrl('sub', `/v1/ws/msgs/demo/x/v1?group=g`), { headers: { appid: 'demo', subkey: 'wrong' } });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 401);
    const plain = await call(t.url('sub', '/v1/ws/msgs/demo/x/v1?group=g'), { headers: subHeaders(apps.demo) });
    assert.equal(plain.status, 400);
    assert.match(plain.json<{ errmsg: string }>().errmsg, /WebSocket/);
  });
});

describe('Gateway > WebSocket on shutdown', () => {
  it('closes a waiting subscriber socket with 1001 and shuts down promptly', async () => {
    const t = await startTestGateway();
    const topic = uniq('w');
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: { appid: 'demo', pubkey: 'demo' }, body: 'x' });
    const sub = new WebSocket(t.url('sub', `/v1/ws/msgs/demo/${topic}/v1?group=bye`).replace(/^http/, 'ws'), { headers: subHeaders(apps.demo) });
    const next = frames(sub);
    await next(); // the socket is now parked in a long poll
    const closed = once(sub, 'close');
    const t0 = Date.now();
    await t.close();
    const [code] = (await closed) as [number];
    assert.equal(code, 1001);
    assert.ok(Date.now() - t0 < 10_000, 'shutdown is not held up by the socket');
  });
});
