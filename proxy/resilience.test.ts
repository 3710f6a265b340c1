// The proxy when gateways misbehave or discovery changes: 503s, last good set, ejection/recovery, (no) retries.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Agent } from 'undici';
import { silentLogger } from '../shared/log.js';
import { StaticGatewaySource } from '../shared/discovery/static-gateway-source.js';
import { startProxy } from './main.js';
import { FakeGateway } from './testing/fake-gateway.js';
import { send, startHarness, testOptions, waitFor, type Harness } from './testing/proxy-harness.js';
import { ManualClock } from './util/manual-clock.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const pub = (x: Harness, body = 'm', headers: Record<string, string> = {}) => x.call('POST', '/v1/msgs/orders/v1', { body, headers });

describe('discovery changes', () => {
  it('answers 503 {"errmsg"} at once when no gateway was ever discovered', async () => {
    const source = new StaticGatewaySource([]);
    const proxy = await startProxy(testOptions(), { source, logger: silentLogger });
    const agent = new Agent();
    try {
      const url = `http://127.0.0.1:${proxy.address.port}/v1/msgs/orders/v1`;
      await send(agent, url, 'POST', { body: 'warm-up' });
      const t0 = performance.now();
      const r = await send(agent, url, 'POST', { body: 'x' });
      assert.equal(r.status, 503);
      assert.deepEqual(r.json(), { errmsg: 'proxy: no pub gateway available' });
      assert.ok(performance.now() - t0 < 100, 'no waiting for a gateway that is not there');
    } finally {
      await agent.close();
      await proxy.close();
    }
  });

  it('keeps the last good set when discovery suddenly reports no gateway', async () => {
    h = await startHarness(2);
    h.source.replace([]);
    const r = await pub(h);
    assert.equal(r.status, 201);
    const st = (await h.call('GET', '/proxy/v1/status')).json<{ discovery: { emptyIgnored: number; gateways: number } }>();
    assert.deepEqual(st.discovery, { updates: 1, emptyIgnored: 1, gateways: 2 });
  });

  it('gives a new gateway traffic as soon as discovery reports it (well within 1 s)', async () => {
    h = await startHarness(2);
    const g3 = await FakeGateway.start('gw3');
    h.gateways.push(g3);
    const t0 = performance.now();
    h.source.replace(h.gateways.map((g) => g.endpoint()));
    await waitFor(async () => {
      await pub(h!);
      return g3.count('pub') > 0;
    }, 1_000, 'a publish on the new gateway');
    assert.ok(performance.now() - t0 < 1_000);
  });

  it('sends no new request to a removed gateway while its in-flight request finishes', async () => {
    h = await startHarness(2, { balancing: { pub: 'round-robin' } });
    const held = pub(h, 'slow', { 'x-hold': 'h1' });
    const holder = await Promise.race(h.gateways.map((g) => g.held('h1').then(() => g)));
    const other = h.gateways.find((g) => g !== holder)!;
    h.source.replace([other.endpoint()]);
    const before = holder.count('pub');
    for (let i = 0; i < 10; i++) assert.equal((await pub(h)).headers['x-serverid'], other.id);
    assert.equal(holder.count('pub'), before);
    holder.release('h1');
    const r = await held;
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-serverid'], holder.id);
  });
});

describe('outlier ejection', () => {
  it('ejects a gateway answering 5xx, keeps it out, and takes it back after a successful /alive probe', async () => {
    const clock = new ManualClock();
    h = await startHarness(3, { health: { consecutive5xx: 5, baseEjectionMs: 1_000 } }, { clock });
    const bad = h.gateways[1]!;
    bad.mode.pub = '5xx';
    const statuses: number[] = [];
    while (bad.count('pub') < 5) statuses.push((await pub(h)).status);
    assert.equal(statuses.filter((s) => s === 500).length, 5, 'the 5xx are passed through to the client');
    for (let i = 0; i < 60; i++) assert.equal((await pub(h)).status, 201);
    assert.equal(bad.count('pub'), 5, 'no request reaches an ejected gateway');

    bad.mode.pub = 'ok';
    clock.advance(1_000); // ejection over: one probe to /alive
    await waitFor(async () => {
      await pub(h!);
      return bad.count('pub') > 5;
    }, 3_000, 'the gateway back in rotation');
    const st = (await h.call('GET', '/proxy/v1/status')).json<{ gateways: { id: string; listeners: { pub: { ejectionsEnforced: number; ejected: boolean } } }[] }>();
    assert.deepEqual(st.gateways[1]!.listeners.pub, { ...st.gateways[1]!.listeners.pub, ejectionsEnforced: 1, ejected: false });
  });

  it('moves a consumer group whose gateway is ejected to the next gateway on the ring, and back', async () => {
    const clock = new ManualClock();
    h = await startHarness(3, { health: { consecutive5xx: 3, baseEjectionMs: 1_000 } }, { clock });
    const sub = () => h!.call('GET', '/v1/msgs/owner/orders/v1?group=gx', { headers: { appid: 'app' } });
    const owner = String((await sub()).headers['x-serverid']);
    const g = h.gateways.find((x) => x.id === owner)!;
    g.mode.sub = '5xx';
    for (let i = 0; i < 3; i++) assert.equal((await sub()).status, 500);
    const next = String((await sub()).headers['x-serverid']);
    assert.notEqual(next, owner);
    for (let i = 0; i < 10; i++) assert.equal(String((await sub()).headers['x-serverid']), next, 'the group sticks to its new gateway');
    g.mode.sub = 'ok';
    clock.advance(1_000);
    await waitFor(async () => String((await sub()).headers['x-serverid']) === owner, 3_000, 'the group back on its owner');
  });
});

describe('per-gateway concurrency limit', () => {
  it('skips a gateway at maxInflightPerHost and answers 503 at once when all are full', async () => {
    h = await startHarness(2, { upstream: { maxInflightPerHost: 1 }, balancing: { pub: 'round-robin' } });
    const first = pub(h, 'a', { 'x-hold': 'c1' });
    const second = pub(h, 'b', { 'x-hold': 'c2' });
    await Promise.all(['c1', 'c2'].map((t) => Promise.race(h!.gateways.map((g) => g.held(t)))));
    assert.equal(h.gateways[0]!.count('pub') + h.gateways[1]!.count('pub'), 2);
    assert.equal(h.gateways[0]!.count('pub'), 1, 'one request per gateway');
    const r = await pub(h);
    assert.equal(r.status, 503);
    assert.deepEqual(r.json(), { errmsg: 'proxy: no pub gateway available' });
    for (const g of h.gateways) for (const t of ['c1', 'c2']) g.release(t);
    assert.deepEqual([(await first).status, (await second).status], [201, 201]);
    assert.equal((await pub(h)).status, 201, 'capacity is back once they finish');
  });
});

describe('client aborts', () => {
  it('ends the upstream long poll when the subscriber goes away, without blaming the gateway', async () => {
    h = await startHarness(1);
    const g = h.gateways[0]!;
    g.mode.sub = 'hang';
    const ac = new AbortController();
    const poll = fetch(`${h.url}/v1/msgs/o/t/v1?group=g`, { headers: { appid: 'a' }, signal: ac.signal });
    await waitFor(() => g.count('sub') === 1, 3_000, 'the poll to reach the gateway');
    ac.abort();
    await assert.rejects(poll);
    await waitFor(() => g.abandoned === 1, 3_000, 'the upstream request to be closed');
    const st = (await h.call('GET', '/proxy/v1/status')).json<{ front: { clientAborts: number }; gateways: { listeners: { sub: { ejected: boolean; currentSessions: number } } }[] }>();
    assert.equal(st.front.clientAborts, 1);
    assert.equal(st.gateways[0]!.listeners.sub.currentSessions, 0);
    assert.equal(st.gateways[0]!.listeners.sub.ejected, false);
  });
});

describe('client aborts > publishes', () => {
  it('lets a publish the gateway has whole finish when its client goes, and keeps the gateway connection', async () => {
    h = await startHarness(1);
    const g = h.gateways[0]!;
    const { connect } = await import('node:net');
    const s = connect(h.proxy.address.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('POST /v1/msgs/orders/v1 HTTP/1.1\r\nHost: x\r\nx-hold: p1\r\nContent-Length: 5\r\n\r\nhello');
    await g.held('p1');
    s.destroy();
    await waitFor(() => h!.proxy.status().front.clientAborts === 1, 3_000, 'the client abort to be seen');
    g.release('p1');
    await waitFor(() => h!.proxy.status().gateways[0]!.listeners.pub!.currentSessions === 0, 3_000, 'the publish to finish upstream');
    assert.equal(g.abandoned, 0, 'the gateway answered the publish in full');
    assert.equal((await pub(h)).status, 201);
    assert.equal(g.count('pub'), 2);
    assert.equal(g.connections.pub, 1, 'the next publish went over the same gateway connection');
    const st = h.proxy.status().gateways[0]!.listeners.pub!;
    assert.equal(st.sendErrors, 0);
    assert.equal(st.ejected, false);
  });
});

describe('client aborts > uploads', () => {
  it('does not hold a client that vanishes mid-upload against the gateway', async () => {
    h = await startHarness(1, { health: { consecutiveLocalFailures: 1 } });
    const { connect } = await import('node:net');
    for (let i = 0; i < 3; i++) {
      const s = connect(h.proxy.address.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      s.write('POST /v1/msgs/t/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n' + 'x'.repeat(100_000));
      await waitFor(() => h!.proxy.status().gateways[0]!.listeners.pub!.totalSessions > i, 3_000, 'the upload to reach a gateway');
      s.destroy();
    }
    await waitFor(() => h!.proxy.status().front.clientAborts === 3, 3_000, 'three client aborts');
    const pub = h.proxy.status().gateways[0]!.listeners.pub!;
    assert.equal(pub.ejected, false);
    assert.equal(pub.sendErrors, 0);
    assert.equal((await h.call('POST', '/v1/msgs/t/v1', { body: 'after' })).status, 201);
  });
});

describe('retries', () => {
  it('never re-sends a publish the gateway may have received: reset after send → 502, no duplicate', async () => {
    h = await startHarness(2, { balancing: { pub: 'round-robin' }, health: { consecutiveLocalFailures: 0 } });
    const [bad, good] = h.gateways as [FakeGateway, FakeGateway];
    bad.mode.pub = 'reset';
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await pub(h)).status);
    assert.equal(statuses.filter((s) => s === 502).length, 5);
    assert.equal(statuses.filter((s) => s === 201).length, 5);
    assert.equal(bad.count('pub'), 5);
    assert.equal(good.count('pub'), 5, 'the other gateway got no copy of a failed publish');
  });

  it('re-sends a publish that never left (connection refused) to another gateway', async () => {
    h = await startHarness(2, { balancing: { pub: 'round-robin' }, health: { consecutiveLocalFailures: 0 } });
    const [down, up] = h.gateways as [FakeGateway, FakeGateway];
    await down.stopListener('pub');
    for (let i = 0; i < 10; i++) assert.equal((await pub(h)).status, 201);
    assert.equal(up.count('pub'), 10);
    const st = (await h.call('GET', '/proxy/v1/status')).json<{ front: { retries: number }; gateways: { listeners: { pub: { connectErrors: number } } }[] }>();
    assert.equal(st.front.retries, 5);
    assert.equal(st.gateways[0]!.listeners.pub.connectErrors, 5);
  });

  it('answers 503 when no gateway accepts the connection', async () => {
    h = await startHarness(2);
    for (const g of h.gateways) await g.stopListener('pub');
    const r = await pub(h);
    assert.equal(r.status, 503);
    assert.deepEqual(r.json(), { errmsg: 'proxy: no gateway reachable' });
  });

  it('answers 504 when a gateway does not answer in time, and ejects it after repeated timeouts', async () => {
    h = await startHarness(1, { upstream: { subTimeoutMs: 200 }, health: { consecutiveLocalFailures: 2 } });
    h.gateways[0]!.mode.sub = 'hang';
    const sub = () => h!.call('GET', '/v1/msgs/o/t/v1?group=g', { headers: { appid: 'a' } });
    assert.equal((await sub()).status, 504);
    assert.equal((await sub()).status, 504);
    const r = await sub();
    assert.equal(r.status, 503, 'the only sub gateway is ejected');
    assert.deepEqual(r.json(), { errmsg: 'proxy: no sub gateway available' });
  });
});
