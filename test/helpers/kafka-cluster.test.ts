// Proves the 3-broker cluster helper: acks=all keeps working with one broker killed, and the broker rejoins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { startKafkaCluster, type KafkaCluster } from './kafka-cluster.js';
import { uniqueName } from './unique-name.js';
import { waitFor } from './wait-for.js';

const { Kafka, logLevel } = kafkajs;

describe('startKafkaCluster', () => {
  let cluster: KafkaCluster;
  // Waiting for another test run that holds the cluster may take longer than the default per-test timeout.
  before(async () => {
    cluster = await startKafkaCluster();
  }, { timeout: 660_000 });
  after(async () => {
    await cluster?.stop();
  });

  it('survives kill -9 of one broker with acks=all, then the broker rejoins the ISR', async () => {
    const kafka = new Kafka({ clientId: 'cluster-test', brokers: [...cluster.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      const { brokers } = await admin.describeCluster();
      assert.equal(brokers.length, 3, `brokers: ${brokers.map((b) => b.nodeId).join(',')}`);
      const topic = uniqueName('repl');
      // Not waitForLeaders: kafkajs gives up on UNKNOWN_TOPIC_OR_PARTITION from a broker that has not applied the
      // new topic's metadata yet (seen in CI). Poll until every broker can serve it with a full ISR instead.
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: false });
      const fullIsr = async (): Promise<boolean> => {
        const m = await admin.fetchTopicMetadata({ topics: [topic] });
        return m.topics[0]!.partitions[0]!.isr.length === 3;
      };
      await waitFor(fullIsr, { timeoutMs: 30_000, message: 'new topic with 3 in-sync replicas' });
      await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

      // Kill a broker that is not the partition leader, so the write path shows ISR shrink rather than a failover.
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = meta.topics[0]!.partitions[0]!.leader;
      const victim = [0, 1, 2].find((i) => i + 1 !== leader)!;
      await cluster.killBroker(victim);
      await producer.send({ topic, acks: -1, messages: [{ value: 'during' }] });

      await cluster.restartBroker(victim);
      await waitFor(fullIsr, { timeoutMs: 30_000, message: 'restarted broker back in the ISR' });
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(offsets[0]?.high, '2');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
