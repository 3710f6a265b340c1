// A long-poll waiting on a gateway is answered as soon as a message is published to that gateway: the store wakes its
// waiting fetch directly, not on a poll interval. Each store is configured so that polling alone would take seconds.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.js';
import { createStore } from '../../gateway/store/create-store.js';
import { MemoryStore } from '../../gateway/store/memory/memory-store.js';
import { SqliteStore } from '../../gateway/store/sqlite/sqlite-store.js';
import type { GroupReader, Store } from '../../gateway/store/store.js';
import { hostList, requireKafka } from '../helpers/services.js';
import { apps, call, pubHeaders, startTestGateway, subHeaders, uniq } from './gateway-harness.js';

/** The store, with an event each time a session's reader starts a fetch that may wait: the long-poll is then parked. */
function observeFetches(store: Store): { store: Store; fetches: EventEmitter } {
  const fetches = new EventEmitter();
  const observe = (r: GroupReader): GroupReader => ({
    fetch(max, waitMs, signal) {
      const p = r.fetch(max, waitMs, signal);
      if (waitMs > 0) fetches.emit('fetch');
      return p;
    },
    commit: (positions) => r.commit(positions),
    close: () => r.close(),
  });
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'openReader') return async (...args: Parameters<Store['openReader']>) => observe(await target.openReader(...args));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, fetches };
}

const dir = mkdtempSync(join(tmpdir(), 'kateway-wake-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Unwoken, the long-poll would be answered only when some timer looks again: the session re-fetches every 5 s, SQLite's
 * cross-process poll runs every 60 s here, a Kafka fetch waits up to 4 s on the broker. Woken, it takes milliseconds.
 */
const WOKEN_WITHIN_MS = 2_000;

const stores: Array<{ name: string; make(): Promise<Store> }> = [
  { name: 'memory', make: async () => new MemoryStore() },
  { name: 'sqlite', make: async () => new SqliteStore({ path: join(dir, `${uniq('w')}.db`), pollIntervalMs: 60_000 }) },
  // Not a longer broker wait: closing the consumer waits for the fetch in flight.
  { name: 'kafka', make: async () => createStore({ kind: 'kafka', brokers: hostList(await requireKafka()), client: { fetchMaxWaitMs: 4_000 } }, silentLogger) },
];

describe('Gateway > a waiting long-poll is woken by a publish on the same gateway', { timeout: 120_000 }, () => {
  for (const s of stores) {
    it(`${s.name}: delivered at once, not after a poll interval`, async () => {
      const { store, fetches } = observeFetches(await s.make());
      const t = await startTestGateway({ sub: { longPollMs: 30_000 } as never }, store);
      try {
        const topic = uniq('wake');
        const pub = (body: string) => call(t.url('pub', `/v1/msgs/${topic}/v1`), { method: 'POST', headers: pubHeaders(apps.demo), body });
        const sub = () => call(t.url('sub', `/v1/msgs/demo/${topic}/v1?group=g&reset=oldest`), { headers: subHeaders(apps.demo) });
        // Open the group session (on Kafka: join the group) with a first message.
        assert.equal((await pub('first')).status, 201);
        assert.equal((await sub()).body.toString(), 'first');
        const parked = once(fetches, 'fetch');
        const waiting = sub();
        await parked;
        const t0 = performance.now();
        assert.equal((await pub('second')).status, 201);
        const r = await waiting;
        const ms = performance.now() - t0;
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), 'second');
        assert.ok(ms < WOKEN_WITHIN_MS, `publish → delivery took ${ms.toFixed(0)} ms`);
      } finally {
        await t.close();
      }
    });
  }
});
