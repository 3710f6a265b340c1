// Durability: 3 brokers, RF 3, min ISR 2, publish load through KafkaStore, kill -9 a partition leader: no resolved message is lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { KafkaStore } from '../../gateway/store/kafka/kafka-store.js';
import { startKafkaCluster, type KafkaCluster } from '../helpers/kafka-cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import { PublishLoad, percentile, readAll, tally } from './kafka-load.js';

const PARTITIONS = 6;

/** Leader node id of `partition`, read with a throwaway admin client (the store does not expose leaders). */
async function leaderOf(brokers: readonly string[], topic: string, partition: number): Promise<number> {
  const kafka = new kafkajs.Kafka({ clientId: 'durability-probe', brokers: [...brokers], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}

describe('Kafka durability > kill -9 of a leader under acks=all load', { timeout: 600_000 }, () => {
  let cluster: KafkaCluster;
  let store: KafkaStore;
  // Explicit timeouts: run-tests' default per test (120 s) is too short for a cluster start plus the load phases.
  before(async () => {
    cluster = await startKafkaCluster();
    store = new KafkaStore({
      brokers: [...cluster.brokers],
      clientId: 'kateway-durability',
      produceTimeoutMs: 5_000,
      // Short open periods keep the load probing the cluster during the failover.
      breaker: { failureThreshold: 5, openMs: 1_000 },
    });
  }, { timeout: 240_000 });
  after(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('every append that resolved is consumed afterwards (lost = 0); duplicates are counted', { timeout: 300_000 }, async () => {
    const topic = `durable.t${randomBytes(4).toString('hex')}.v1`;
    assert.equal(await store.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3 }), true);
    const load = new PublishLoad(store, topic, { workers: 8, batchEvery: 5, batchSize: 10 });

    await waitFor(() => load.resolved().length >= 2_000, { timeoutMs: 60_000, message: '2,000 resolved appends before the kill' });
    const victimNode = await leaderOf(cluster.brokers, topic, 0);
    const killedAt = performance.now();
    const before = load.resolved().length;
    await cluster.killBroker(victimNode - 1);
    // Publishing goes on through the failover: the partitions the dead broker led move to the survivors.
    await waitFor(() => load.resolved().filter((a) => a.startedAt > killedAt + 1_000).length >= 2_000, {
      timeoutMs: 90_000,
      message: '2,000 resolved appends after the kill',
    });
    const afterKill = load.resolved().filter((a) => a.startedAt > killedAt);
    await cluster.restartBroker(victimNode - 1);
    await waitFor(() => load.resolved().length >= before + afterKill.length + 1_000, { timeoutMs: 60_000, message: 'load after restart' });
    await load.stop();

    const reader = await store.openReader(topic, `durable.g${randomBytes(4).toString('hex')}`, { reset: 'oldest' });
    const read = await readAll(reader, new Set(load.resolved().map((a) => a.id)), 120_000);
    await reader.close();
    const t = tally(load, read);
    const rejectedCodes = [...new Set(load.rejected().map((a) => a.error!.code))];
    const lat = load.attempts.map((a) => a.ms);
    const firstOkAfterKill = Math.min(...afterKill.map((a) => a.startedAt + a.ms)) - killedAt;
    console.log(
      `[durability] killed node ${victimNode} (leader of p0); resolved=${t.resolved} rejected=${t.rejected} (${rejectedCodes.join(',')}) ` +
        `read=${t.read} distinct=${t.distinctRead} lost=${t.lost.length} duplicates=${t.duplicates} ` +
        `rejectedButStored=${t.rejectedButStored} positionMismatches=${t.positionMismatches} ` +
        `append p50=${percentile(lat, 50).toFixed(1)}ms p99=${percentile(lat, 99).toFixed(1)}ms max=${Math.max(...lat).toFixed(0)}ms ` +
        `firstResolvedAfterKill=${firstOkAfterKill.toFixed(0)}ms`,
    );
    assert.deepEqual(t.lost, [], 'every resolved append must be read back');
    assert.equal(t.positionMismatches, 0, 'a resolved message sits at the partition/offset the store returned');
    assert.ok(Math.max(...lat) < 5_000 + 1_000, 'no append outlived the produce timeout');
    assert.ok(t.resolved > 5_000);
  });
});
