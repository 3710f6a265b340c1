// startProxy end to end against real node:http fake gateways: routing, affinity, spread, streaming, WebSocket, admin.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { startHarness, type Harness } from './testing/proxy-harness.js';

describe('startProxy > routing', () => {
  let h: Harness;
  before(async () => (h = await startHarness(3)));
  after(() => h.close());

  it('sends a publish to a pub listener, with X-Forwarded-For and X-Serverid passed back', async () => {
    const r = await h.call('POST', '/v1/msgs/orders/v1', { headers: { appid: 'a1', 'x-trace': 'true' }, body: 'hello' });
    assert.equal(r.status, 201);
    const echo = r.json<{ service: string; bodyBytes: number; xff: string }>();
    assert.equal(echo.service, 'pub');
    assert.equal(echo.bodyBytes, 5);
    assert.equal(echo.xff, '127.0.0.1');
    assert.match(String(r.headers['x-serverid']), /^gw\d$/);
  });

  it('sends subscriptions, acks and sub WebSockets to sub listeners; everything else to man', async () => {
    const svc = async (m: string, p: string) => (await h.call(m, p, { headers: { appid: 'a' } })).headers['x-service'];
    assert.equal(await svc('GET', '/v1/msgs/owner/orders/v1?group=g'), 'sub');
    assert.equal(await svc('PUT', '/v1/offsets/owner/orders/v1/g'), 'sub');
    assert.equal(await svc('GET', '/v1/status'), 'man');
    assert.equal(await svc('GET', '/v1/partitions/owner/orders/v1'), 'man');
    assert.equal(await svc('GET', '/metrics'), 'man');
  });

  it('keeps every request of one consumer group on one gateway, and spreads groups', async () => {
    const owner = new Map<string, Set<string>>();
    for (let i = 0; i < 40; i++) {
      for (const g of ['g1', 'g2', 'g3', 'g4', 'g5', 'g6']) {
        const r = await h.call('GET', `/v1/msgs/owner/orders/v1?group=${g}&batch=1`, { headers: { appid: 'app7' } });
        const set = owner.get(g) ?? new Set();
        set.add(String(r.headers['x-serverid']));
        owner.set(g, set);
      }
    }
    for (const [g, ids] of owner) assert.equal(ids.size, 1, `group ${g} went to ${[...ids].join(',')}`);
    const used = new Set([...owner.values()].map((s) => [...s][0]));
    assert.ok(used.size >= 2, 'six groups should not all land on one of three gateways');
    // The ack of a group goes where its subscriptions go.
    const ack = await h.call('PUT', '/v1/offsets/owner/orders/v1/g3', { headers: { appid: 'app7' }, body: '[]' });
    assert.equal(String(ack.headers['x-serverid']), [...owner.get('g3')!][0]);
  });

  it('spreads publishes over every gateway', async () => {
    const counts = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 300 }, async () => {
        const r = await h.call('POST', '/v1/msgs/orders/v1', { body: 'x' });
        const id = String(r.headers['x-serverid']);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }),
    );
    assert.equal(counts.size, 3);
    for (const [id, n] of counts) assert.ok(n >= 50, `${id} got only ${n} of 300`);
  });

  it('streams a 512 KiB publish body and its echo both ways intact', async () => {
    const body = Buffer.alloc(512 * 1024, 7);
    body.write('start', 0);
    body.write('end', body.length - 3);
    const r = await h.call('POST', '/v1/msgs/orders/v1?echo=1', { body });
    assert.equal(r.status, 201);
    assert.ok(r.body.equals(body));
  });

  it('streams a chunked body upstream and a chunked sub batch back', async () => {
    const r = await h.call('GET', '/v1/msgs/owner/orders/v1?group=g&chunks=5', { headers: { appid: 'a' } });
    assert.equal(r.text, 'chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    const up = await request(`${h.url}/v1/msgs/orders/v1?echo=1`, {
      method: 'POST',
      body: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
      dispatcher: h.agent,
    });
    assert.equal(await up.body.text(), 'abcdef');
  });

  it('proxies WebSocket sessions, sub ones sticky by group', async () => {
    const talk = async (path: string): Promise<string> => {
      const ws = new WebSocket(`ws://127.0.0.1:${h.proxy.address.port}${path}`, { headers: { appid: 'wsapp' } });
      await new Promise((res, rej) => ws.once('open', res).once('error', rej));
      const reply = new Promise<string>((res) => ws.once('message', (m: Buffer) => res(m.toString())));
      ws.send('ping');
      const text = await reply;
      ws.close();
      return text;
    };
    assert.match(await talk('/v1/ws/msgs/orders/v1'), /^gw\d:ping$/);
    const first = await talk('/v1/ws/msgs/owner/orders/v1?group=wg');
    for (let i = 0; i < 5; i++) assert.equal(await talk('/v1/ws/msgs/owner/orders/v1?group=wg'), first);
    const sessions = h.gateways.flatMap((g) => g.seen.filter((s) => s.method === 'WS'));
    assert.ok(sessions.every((s) => s.headers['x-forwarded-for'] === '127.0.0.1'));
  });

  it('answers its own /alive, /proxy/v1/status and /proxy/metrics', async () => {
    assert.equal((await h.call('GET', '/alive')).text, '{"ok":1}');
    const st = (await h.call('GET', '/proxy/v1/status')).json<{
      gateways: { id: string; listeners: { pub: { totalSessions: number; responses: Record<string, number> } }; ringShare: number }[];
      policies: Record<string, string>;
    }>();
    assert.deepEqual(
      st.gateways.map((g) => g.id),
      ['gw1', 'gw2', 'gw3'],
    );
    assert.ok(st.gateways.every((g) => g.listeners.pub.totalSessions > 0 && g.listeners.pub.responses['2xx']! > 0));
    const shares = st.gateways.reduce((s, g) => s + g.ringShare, 0);
    assert.ok(Math.abs(shares - 1) < 0.01);
    assert.equal(st.policies.sub, 'consistent-hash');
    const m = (await h.call('GET', '/proxy/metrics')).text;
    assert.match(m, /kateway_proxy_upstream_requests_total\{service="pub",gateway="gw1",address="127\.0\.0\.1:\d+"\} \d+/);
    assert.match(m, /kateway_proxy_upstream_responses_total\{service="sub",gateway="gw\d",address="[^"]+",code="2xx"\} [1-9]/);
  });
});

describe('startProxy > rate limits', () => {
  let h: Harness;
  before(async () => (h = await startHarness(1, { rateLimit: { perAppTopic: { requestsPerSec: 2 } } })));
  after(() => h.close());

  it('answers 429 with Retry-After and RateLimit-* once an app exceeds its topic rate', async () => {
    const pub = () => h.call('POST', '/v1/msgs/orders/v1', { headers: { appid: 'a1' }, body: 'x' });
    assert.equal((await pub()).status, 201);
    assert.equal((await pub()).status, 201);
    const r = await pub();
    assert.equal(r.status, 429);
    assert.deepEqual(r.json(), { errmsg: 'quota exceeded' });
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.headers['ratelimit-limit'], '2');
    assert.equal(r.headers['ratelimit-remaining'], '0');
    assert.equal((await h.call('POST', '/v1/msgs/other/v1', { headers: { appid: 'a1' }, body: 'x' })).status, 201);
    assert.equal(h.gateways[0]!.count('pub'), 3);
  });
});
