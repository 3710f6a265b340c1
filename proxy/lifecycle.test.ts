// ProxyHandle.close and reload in process: drain order, listeners reconciled, host state kept across a reload.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Client } from 'undici';
import { send, startHarness, testOptions, waitFor, type Harness } from './testing/proxy-harness.js';
import { ManualClock } from './util/manual-clock.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('ProxyHandle > close', () => {
  it('stops accepting at once, finishes the request in flight with Connection: close, then resolves', async () => {
    h = await startHarness(1);
    const client = new Client(h.url);
    const held = send(client, `${h.url}/v1/msgs/t/v1`, 'POST', { body: 'x', headers: { 'x-hold': 'd1' } });
    await h.gateways[0]!.held('d1');
    let closed = false;
    const closing = h.proxy.close().then(() => (closed = true));
    await waitFor(async () => {
      try {
        await send(new Client(h!.url, { connectTimeout: 200 }), `${h!.url}/alive`, 'GET');
        return false;
      } catch {
        return true;
      }
    }, 2_000, 'new connections refused');
    assert.equal(closed, false, 'close waits for the request in flight');
    h.gateways[0]!.release('d1');
    const r = await held;
    assert.equal(r.status, 201);
    assert.equal(r.headers['connection'], 'close');
    await closing;
    await client.close().catch(() => undefined);
  });

  it('is idempotent', async () => {
    h = await startHarness(1);
    await Promise.all([h.proxy.close(), h.proxy.close()]);
  });
});

describe('ProxyHandle > reload', () => {
  it('adds and removes listeners and switches policies without dropping a keep-alive connection', async () => {
    h = await startHarness(2, { balancing: { pub: 'p2c' } });
    const client = new Client(h.url);
    let connects = 0;
    client.on('connect', () => connects++);
    assert.equal((await send(client, `${h.url}/v1/msgs/t/v1`, 'POST', { body: 'a' })).status, 201);

    const mainPort = h.proxy.address.port;
    await h.proxy.reload(
      testOptions({
        balancing: { pub: 'round-robin' },
        listeners: [
          { host: '127.0.0.1', port: mainPort },
          { host: '127.0.0.1', port: 0, service: 'sub' },
        ],
      }),
    );
    assert.equal(h.proxy.addresses.length, 2);
    const subUrl = `http://127.0.0.1:${h.proxy.addresses[1]!.port}`;
    const viaSubListener = await send(h.agent, `${subUrl}/anything?group=g`, 'GET', { headers: { appid: 'a' } });
    assert.equal(viaSubListener.headers['x-service'], 'sub', 'a sub-bound listener sends everything to sub');

    const st = (await send(client, `${h.url}/proxy/v1/status`, 'GET')).json<{ policies: { pub: string } }>();
    assert.equal(st.policies.pub, 'round-robin');
    assert.equal(connects, 1);

    await h.proxy.reload(testOptions({ listeners: [{ host: '127.0.0.1', port: mainPort }] }));
    assert.equal(h.proxy.addresses.length, 1);
    await assert.rejects(send(new Client(subUrl, { connectTimeout: 200 }), `${subUrl}/x`, 'GET'));
    await client.close();
  });

  it('keeps host state (counters, ejection) across a reload', async () => {
    const clock = new ManualClock();
    h = await startHarness(2, { health: { consecutive5xx: 2 } }, { clock });
    h.gateways[0]!.mode.pub = '5xx';
    while (h.gateways[0]!.count('pub') < 2) await h.call('POST', '/v1/msgs/t/v1', { body: 'x' });
    await h.proxy.reload(testOptions({ health: { consecutive5xx: 2 }, upstream: { pubTimeoutMs: 5_000 } }));
    const st = (await h.call('GET', '/proxy/v1/status')).json<{ gateways: { listeners: { pub: { ejected: boolean; totalSessions: number } } }[] }>();
    assert.equal(st.gateways[0]!.listeners.pub.ejected, true);
    assert.ok(st.gateways[0]!.listeners.pub.totalSessions >= 2);
  });

  it('refuses invalid options and keeps running', async () => {
    h = await startHarness(1);
    await assert.rejects(h.proxy.reload({ upstream: { connectTimeoutMs: -1 } }), /connectTimeoutMs/);
    assert.equal((await h.call('POST', '/v1/msgs/t/v1', { body: 'x' })).status, 201);
  });
});
