// A long-poll whose client goes away stops waiting: the next message goes to a client that is still there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { apps, call, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

describe('Gateway > long-poll abort', () => {
  let t: TestGateway;
  before(async () => {
    // Long enough that a message handed to the vanished client would leave the live one answered 204, not 200.
    t = await startTestGateway({ sub: { longPollMs: 5_000 } as TestGateway['gw']['config']['sub'] });
  });
  after(() => t.close());

  /** Asks /v1/status (man listener) until `ok` holds; each answer comes after the gateway handled earlier events. */
  async function until(ok: (s: { sessions: number; connections: Record<string, number> }) => boolean): Promise<void> {
    for (;;) {
      const r = await call(t.url('man', '/v1/status'), {});
      if (ok(r.json() as { sessions: number; connections: Record<string, number> })) return;
    }
  }

  it('drops the waiting long-poll of a closed keep-alive connection, also after an earlier answer on it', async () => {
    const topic = uniq('t');
    const [first, second] = [uniq('g'), uniq('g')];
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'one' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (query: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = http.get(t.url('sub', `/v1/msgs/demo/${topic}/v1?${query}`), { agent, headers: subHeaders(apps.demo) }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
      });
    // The connection's first request is answered at once; its second opens a group at the newest offset and waits.
    assert.deepEqual(await get(`group=${first}`), { status: 200, body: 'one' });
    const vanished = get(`group=${second}&reset=newest`).catch(() => 'gone');
    // The second session exists once that request reached the session; with the memory store it waits right after.
    await until((s) => s.sessions === 2);
    agent.destroy();
    assert.equal(await vanished, 'gone');
    await until((s) => s.connections['sub'] === 0);
    await call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body: 'two' });
    const live = await call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=${second}`), { headers: subHeaders(apps.demo) });
    assert.equal(live.status, 200);
    assert.equal(live.body.toString(), 'two');
  });
});
