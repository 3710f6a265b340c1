// Kafka down and back under load (private broker): appends reject fast (breaker), nothing hangs, all recovers, nothing resolved is lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { KafkaStore } from '../../gateway/store/kafka/kafka-store.js';
import type { StoredMessage } from '../../gateway/store/store.js';
import { startPrivateKafka } from '../helpers/kafka-server.js';
import type { PrivateServer } from '../helpers/private-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { PublishLoad, percentile, tally } from './kafka-load.js';

const PRODUCE_TIMEOUT_MS = 2_000;

describe('Kafka outage > broker killed and restarted under load', { timeout: 600_000 }, () => {
  let kafka: PrivateServer;
  let store: KafkaStore;
  // Explicit timeouts: run-tests' default per test (120 s) is too short for a cluster start plus the load phases.
  before(async () => {
    kafka = await startPrivateKafka();
    store = new KafkaStore({
      brokers: [kafka.connectString],
      clientId: 'kateway-outage',
      produceTimeoutMs: PRODUCE_TIMEOUT_MS,
      adminTimeoutMs: PRODUCE_TIMEOUT_MS,
      breaker: { failureThreshold: 3, openMs: 1_000 },
      client: { connectionTimeoutMs: 500 },
    });
  }, { timeout: 240_000 });
  after(async () => {
    await store?.close();
    await kafka?.close();
  });

  it('opens the breaker, rejects without hanging, closes after the restart, loses no resolved message', { timeout: 300_000 }, async () => {
    const topic = `outage.t${randomBytes(4).toString('hex')}.v1`;
    await store.createTopic(topic, { partitions: 2 });
    // A reader lives through the outage too: its consumer must rejoin by itself.
    const reader = await store.openReader(topic, `outage.g${randomBytes(4).toString('hex')}`, { reset: 'oldest' });
    const read: StoredMessage[] = [];
    const seen = new Set<string>();
    const readErrors: string[] = [];
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        try {
          const got = await reader.fetch(500, 500);
          for (const m of got) seen.add(m.value.toString());
          read.push(...got);
        } catch (e) {
          readErrors.push((e as Error).message);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();

    const load = new PublishLoad(store, topic, { workers: 4, batchEvery: 4, batchSize: 10 });
    await waitFor(() => load.resolved().length >= 1_000, { timeoutMs: 30_000, message: 'appends before the outage' });

    await kafka.kill();
    const downAt = performance.now();
    await waitFor(() => store.breakerState === 'open', { timeoutMs: 30_000, message: 'breaker opens' });
    const openAfterMs = performance.now() - downAt;

    // While open, an append is answered at once with Retry-After.
    const t0 = performance.now();
    const fast = await store.append(topic, [{ value: Buffer.from('probe') }]).then(
      () => assert.fail('append must reject while Kafka is down'),
      (e: unknown) => e,
    );
    const fastMs = performance.now() - t0;
    assert.ok(fast instanceof AppError && fast.code === ErrorCode.STORE_UNAVAILABLE, String(fast));
    assert.ok(fast.retryAfterSec !== undefined && fast.retryAfterSec >= 1);
    // Let the half-open probes fail a few times, so the outage is longer than one open period.
    await waitFor(() => store.breakerState === 'open' && load.rejected().filter((a) => a.startedAt > downAt + 3_000).length > 20, {
      timeoutMs: 30_000,
      message: 'rejections after 3 s of outage',
    });

    // The broker may serve before restart() resolves (it waits for readiness): the outage ends when restart begins.
    const restartAt = performance.now();
    await kafka.restart();
    const upAt = performance.now();
    await waitFor(() => load.resolved().filter((a) => a.startedAt > upAt).length >= 500, {
      timeoutMs: 90_000,
      message: 'appends resolve again after the restart',
    });
    const recoveredMs = Math.min(...load.resolved().filter((a) => a.startedAt > upAt).map((a) => a.startedAt + a.ms)) - upAt;
    assert.equal(store.breakerState, 'closed');
    await load.stop();

    const want = new Set(load.resolved().map((a) => a.id));
    await waitFor(() => [...want].every((id) => seen.has(id)), {
      timeoutMs: 120_000,
      intervalMs: 200,
      message: 'the reader that lived through the outage reads every resolved message',
    }).catch((e: unknown) => {
      reading = false;
      throw e;
    });
    reading = false;
    await readLoop;
    await reader.close();

    const t = tally(load, read);
    const during = load.attempts.filter((a) => a.startedAt >= downAt && a.startedAt + a.ms < restartAt);
    const lat = load.attempts.map((a) => a.ms);
    const fastRejects = during.filter((a) => a.error && a.ms < 50).length;
    console.log(
      `[outage] resolved=${t.resolved} rejected=${t.rejected} lost=${t.lost.length} duplicates=${t.duplicates} ` +
        `rejectedButStored=${t.rejectedButStored} | breaker opened ${openAfterMs.toFixed(0)} ms after the kill; ` +
        `open-breaker reject ${fastMs.toFixed(1)} ms; attempts while down=${during.length} (fast <50 ms: ${fastRejects}); ` +
        `first append resolved ${recoveredMs.toFixed(0)} ms after the broker was back; ` +
        `append max=${Math.max(...lat).toFixed(0)} ms p99=${percentile(lat, 99).toFixed(0)} ms; reader errors=${readErrors.length}`,
    );
    assert.deepEqual(t.lost, [], 'no resolved append lost');
    assert.ok(fastMs < 50, `an open breaker answers at once (${fastMs.toFixed(1)} ms)`);
    assert.ok(Math.max(...lat) < PRODUCE_TIMEOUT_MS + 1_000, 'no append outlived the produce timeout');
    assert.ok(during.every((a) => a.error), 'nothing resolved while the broker was down');
  });
});
