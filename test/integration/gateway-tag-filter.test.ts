// Subscribe with an X-Tag filter (the original's server-side tag filter) through real sockets, on memory, SQLite and Kafka:
// only messages carrying an asked tag are delivered; the others are skipped and count as processed for the group.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { silentLogger } from '../../shared/log.js';
import type { StoreSettings } from '../../gateway/config.js';
import { createStore } from '../../gateway/store/create-store.js';
import { decodeBinaryRecords } from '../../gateway/sub/record-codec.js';
import { hostList, requireKafka } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';
import { apps, call, frames, pubHeaders, startTestGateway, subHeaders, uniq, type TestGateway } from './gateway-harness.js';

const LONG_POLL_MS = 1_500;

type Tagged = { value: string; tag?: string };

/** The helpers every suite uses against its gateway. */
function client(gw: () => TestGateway) {
  return {
    /** One JSON batch publish, so the messages are stored in order on the topic's one partition. */
    async publish(topic: string, messages: Tagged[]): Promise<void> {
      const r = await call(gw().url('pub', `/v1/msgs/${topic}/v1?batch=1`), {
        method: 'POST',
        headers: pubHeaders(apps.demo, { 'content-type': 'application/json' }),
        body: JSON.stringify(messages),
      });
      assert.equal(r.status, 201, r.body.toString());
    },
    get(topic: string, group: string, tag: string | undefined, query = '', extra: Record<string, string> = {}) {
      return call(gw().url('sub', `/v1/msgs/demo/${topic}/v1?group=${group}${query}`), {
        headers: subHeaders(apps.demo, { ...(tag === undefined ? {} : { 'x-tag': tag }), ...extra }),
      });
    },
    /** Waits until the group's committed offset of partition 0 is `offset` (commits run every 100 ms). */
    async committed(topic: string, group: string, offset: number): Promise<void> {
      await waitFor(
        async () => {
          const s = await call(gw().url('man', `/v1/status/demo/${topic}/v1?group=${group}`), { headers: subHeaders(apps.demo) });
          return s.json<{ partitions: { subd: number }[] }>().partitions[0]?.subd === offset;
        },
        { message: `group ${group} committed ${offset}` },
      );
    },
  };
}

function tagFilterSuite(kind: 'memory' | 'sqlite'): void {
  describe(`Gateway > subscribe with an X-Tag filter (${kind})`, () => {
    let t: TestGateway;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'kateway-tags-'));
      const cfg: StoreSettings = kind === 'sqlite' ? { kind, path: join(dir, 'tags.db') } : { kind };
      const store = await createStore(cfg, silentLogger);
      t = await startTestGateway({ store: cfg, sub: { longPollMs: LONG_POLL_MS, batchIdleMs: 200, ackDeadlineMs: 300 } as never }, store);
    });
    after(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const c = client(() => t);

    it('long-poll batch=1 delivers only messages with an asked tag; skipped ones are committed (auto ack) and counted', async () => {
      const topic = uniq('tf');
      const group = uniq('g');
      await c.publish(topic, [
        { value: 'untagged' },
        { value: 'x1', tag: 'x=1' },
        { value: 'vip-eu', tag: 'region=eu;vip' },
        { value: 'other', tag: 'vip2;region=us' },
        { value: 'eu', tag: ';region=eu;' },
      ]);
      const first = await c.get(topic, group, 'vip;region=eu');
      assert.equal(first.status, 200, first.body.toString());
      assert.deepEqual([first.body.toString(), first.headers['x-offset'], first.headers['x-tag']], ['vip-eu', '2', 'region=eu;vip']);
      const second = await c.get(topic, group, 'vip;region=eu');
      assert.deepEqual([second.body.toString(), second.headers['x-offset']], ['eu', '4']);
      const none = await c.get(topic, group, 'vip');
      assert.equal(none.status, 204);
      await c.committed(topic, group, 5);
      const metrics = (await call(t.url('man', '/metrics'))).body.toString();
      assert.match(metrics, new RegExp(`kateway_sub_filtered_total\\{appid="demo",topic="demo\\.${topic}\\.v1"\\} 3`));
    });

    it('ends the long poll in 204 on time while only non-matching messages flow', async () => {
      const topic = uniq('tf');
      const group = uniq('g');
      await c.publish(topic, [{ value: 'first', tag: 'no' }]);
      const started = Date.now();
      let done = false;
      const poll = c.get(topic, group, 'yes').finally(() => (done = true));
      let published = 0;
      while (!done && Date.now() - started < 3 * LONG_POLL_MS) {
        await c.publish(topic, [{ value: `noise${published++}`, tag: 'no' }]);
      }
      const res = await poll;
      const took = Date.now() - started;
      assert.equal(res.status, 204);
      assert.ok(published > 5, `messages kept flowing during the poll (${published})`);
      assert.ok(took >= LONG_POLL_MS - 50 && took < 2 * LONG_POLL_MS, `204 after ${took} ms, long poll ${LONG_POLL_MS} ms`);
    });

    it('chunked batch=N ends at N matching messages, and its idle time counts from the last one', async () => {
      const topic = uniq('tf');
      const group = uniq('g');
      await c.publish(
        topic,
        Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? { value: `vip${i}`, tag: 'vip' } : i % 3 === 1 ? { value: `no${i}`, tag: 'no' } : { value: `bare${i}` })),
      );
      const two = await c.get(topic, group, 'vip', '&batch=2');
      assert.deepEqual(decodeBinaryRecords(two.body).records.map((r) => [r.offset, r.value.toString()]), [[0, 'vip0'], [3, 'vip3']]);
      const started = Date.now();
      const rest = await c.get(topic, group, 'vip', '&batch=10', { accept: 'application/x-ndjson' });
      const lines = rest.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { value: string; tag: string });
      assert.deepEqual(lines.map((l) => [l.value, l.tag]), [['vip6', 'vip']]);
      assert.ok(Date.now() - started < LONG_POLL_MS, 'the batch ended after its idle time, not the long poll');
      await c.committed(topic, group, 9);
    });

    it('ack=1: a skipped message is processed at once, never redelivered, and does not hold back commits', async () => {
      const topic = uniq('tf');
      const group = uniq('g');
      await c.publish(topic, [{ value: 'skip-me', tag: 'no' }, { value: 'want', tag: 'vip' }]);
      const got = await c.get(topic, group, 'vip', '&ack=1');
      assert.deepEqual([got.body.toString(), got.headers['x-offset']], ['want', '1']);
      await c.committed(topic, group, 1); // offset 0 skipped (processed); offset 1 in flight holds the commit point
      // Not acked: after the 300 ms deadline it comes back — and only it, not the skipped message.
      const again = await c.get(topic, group, 'vip', '&ack=1');
      assert.deepEqual([again.body.toString(), again.headers['x-offset']], ['want', '1']);
      await c.publish(topic, [{ value: 'later' }]);
      const next = await c.get(topic, group, undefined, '&ack=1', { 'x-partition': '0', 'x-offset': '1' });
      assert.deepEqual([next.body.toString(), next.headers['x-offset']], ['later', '2'], 'an unfiltered client of the group moves on');
      const none = await c.get(topic, group, undefined, '&ack=1', { 'x-partition': '0', 'x-offset': '2' });
      assert.equal(none.status, 204, 'the skipped message never comes back');
      await c.committed(topic, group, 3);
    });

    it('WebSocket subscribe filters by the X-Tag header or the tag= query parameter', async () => {
      const topic = uniq('tf');
      await c.publish(topic, [{ value: 'a', tag: 'no' }, { value: 'b', tag: 'vip' }, { value: 'c', tag: 'x;eu' }, { value: 'd' }]);
      const wsUrl = (q: string): string => t.url('sub', `/v1/ws/msgs/demo/${topic}/v1?group=${uniq('g')}${q}`).replace(/^http/, 'ws');
      const byHeader = new WebSocket(wsUrl(''), { headers: subHeaders(apps.demo, { 'x-tag': 'eu' }) });
      const byQuery = new WebSocket(wsUrl(`&tag=${encodeURIComponent('vip;zz')}`), { headers: subHeaders(apps.demo) });
      const [headerFrames, queryFrames] = [frames(byHeader), frames(byQuery)];
      assert.deepEqual([(await headerFrames())['value'], (await queryFrames())['value']], ['c', 'b']);
      // A message for both comes next on both sockets: nothing else was sent in between.
      await c.publish(topic, [{ value: 'e', tag: 'eu;vip' }]);
      assert.deepEqual([(await headerFrames())['value'], (await queryFrames())['value']], ['e', 'e']);
      byHeader.close();
      byQuery.close();
    });

    it('refuses a filter above the tag limit with a JSON 400, on HTTP and WebSocket', async () => {
      const topic = uniq('tf');
      await c.publish(topic, [{ value: 'x' }]);
      const big = 'v'.repeat(1025);
      const res = await c.get(topic, uniq('g'), big);
      assert.equal(res.status, 400);
      assert.match(res.json<{ errmsg: string }>().errmsg, /too big tag filter/);
      const ws = new WebSocket(t.url('sub', `/v1/ws/msgs/demo/${topic}/v1?group=g&tag=${big}`).replace(/^http/, 'ws'), { headers: subHeaders(apps.demo) });
      const [, upgrade] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
      assert.equal(upgrade.statusCode, 400);
    });
  });
}

tagFilterSuite('memory');
tagFilterSuite('sqlite');

describe('Gateway > subscribe with an X-Tag filter (kafka: the tag travels as a record header)', { timeout: 120_000 }, () => {
  let t: TestGateway;
  before(async () => {
    const cfg: StoreSettings = { kind: 'kafka', brokers: hostList(await requireKafka()) };
    // A long batch idle time: the batch must end because it reached N matching messages, however slow a fetch is.
    t = await startTestGateway({ store: cfg, sub: { longPollMs: 10_000, batchIdleMs: 5_000 } as never }, await createStore(cfg, silentLogger));
  });
  after(() => t?.close());
  const c = client(() => t);

  it('a chunked batch gets only the tagged messages, and the group moves past the skipped ones', async () => {
    const topic = uniq('tf');
    const group = uniq('g');
    await c.publish(topic, [{ value: 'no', tag: 'no' }, { value: 'yes1', tag: 'a=b;vip' }, { value: 'bare' }, { value: 'yes2', tag: 'vip' }]);
    const got = await c.get(topic, group, 'vip', '&batch=2');
    assert.equal(got.status, 200, got.body.toString());
    assert.deepEqual(decodeBinaryRecords(got.body).records.map((r) => [r.offset, r.value.toString()]), [[1, 'yes1'], [3, 'yes2']]);
    await c.committed(topic, group, 4);
  });
});
