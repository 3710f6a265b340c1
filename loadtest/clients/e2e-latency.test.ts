// The mixed scenario against a real gateway: its publisher and subscriber processes account for every message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, uniq, type TestGateway } from '../../test/integration/gateway-harness.js';
import { runMixed, type MixedOptions } from './e2e-latency.js';

describe('loadtest > mixed scenario (publisher and subscriber processes)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  const options = (mode: MixedOptions['mode']): MixedOptions => ({
    pubUrl: t.url('pub', ''),
    subUrl: t.url('sub', ''),
    appid: 'demo',
    pubkey: 'demo',
    subkey: 'demo',
    topic: uniq('mixed'),
    ver: 'v1',
    group: uniq('g'),
    rate: 200,
    seconds: 1,
    size: 100,
    subscribers: mode === 'ws' ? 1 : 4,
    mode,
    drainMs: 10_000,
  });

  for (const mode of ['longpoll', 'chunked', 'ws'] as const) {
    it(`${mode}: every published message is delivered once and timed`, async () => {
      const r = await runMixed(options(mode));
      assert.equal(r.sent, 200);
      assert.equal(r.pubErrors, 0, r.firstPubError);
      assert.equal(r.published, 200);
      assert.equal(r.subErrors, 0, r.firstSubError);
      assert.deepEqual([r.received, r.lost, r.duplicates], [200, 0, 0]);
      assert.ok(r.e2e.p50 > 0 && r.e2e.p50 <= r.e2e.p99 && r.e2e.p99 <= r.e2e.max, JSON.stringify(r.e2e));
      assert.ok(r.pub.p50 > 0, JSON.stringify(r.pub));
      assert.ok(r.generator.publisher.max >= 0 && r.generator.subscriber.max >= 0, JSON.stringify(r.generator));
      assert.equal(r.storedToReceived !== undefined, mode === 'ws', 'only WebSocket frames carry the store timestamp');
    });
  }

  it('a subscribe the gateway refuses is counted, not just retried in silence', async () => {
    const r = await runMixed({ ...options('chunked'), subkey: 'wrong', drainMs: 300 });
    assert.equal(r.published, 200);
    assert.equal(r.received, 0);
    assert.ok(r.subErrors > 0, `subErrors ${r.subErrors}`);
    assert.match(r.firstSubError ?? '', /^subscribe 401$/);
  });
});
