// PlatformaticProducer against the real broker: offsets, acks, headers and keys as kafkajs reads them, and error kinds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../../shared/log.js';
import { hostList, requireKafka } from '../../../test/helpers/services.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { KafkaClientError, type PartitionAck, type ProduceRequest } from './kafka-client.js';
import { KafkajsClient } from './kafkajs-client.js';
import { PlatformaticProducer } from './platformatic-producer.js';

const randomTopic = (): string => `kp.t${randomBytes(5).toString('hex')}.v1`;
const opts = { acks: -1 as const, timeoutMs: 5_000 };

/** Every request of a produce call, answered: the acks of all, or the first failure. */
const produced = async (reqs: ProduceRequest[]): Promise<PartitionAck[]> => (await Promise.all(reqs.map((r) => r.done))).flat();

describe('PlatformaticProducer', { timeout: 120_000 }, () => {
  let brokers: string[];
  let producer: PlatformaticProducer;
  let admin: KafkajsClient;
  before(async () => {
    brokers = hostList(await requireKafka());
    producer = new PlatformaticProducer({ brokers, clientId: 'kateway-test', produceTimeoutMs: 5_000 });
    admin = new KafkajsClient({ brokers, clientId: 'kateway-test', log: silentLogger });
  });
  after(async () => {
    await producer.close();
    await admin.close();
  });

  it('returns each partition base offset, and kafkajs reads key, X-Tag header and value where they were put', async () => {
    const topic = randomTopic();
    await admin.createTopic(topic, 2, 1);
    const acked = await produced(producer.produce(
      topic,
      [
        { partition: 1, key: Buffer.from('k1'), value: Buffer.from('one'), headers: { 'X-Tag': 'étiquette' } },
        { partition: 1, key: null, value: Buffer.from('two'), headers: {} },
      ],
      opts,
    ));
    assert.deepEqual(acked, [{ partition: 1, baseOffset: 0 }]);
    const again = await produced(producer.produce(topic, [{ partition: 1, key: null, value: Buffer.from('three'), headers: {} }], { acks: 1, timeoutMs: 5_000 }));
    assert.deepEqual(again, [{ partition: 1, baseOffset: 2 }], 'acks=1 appends after the acks=all batch');
    assert.deepEqual(await admin.topicOffsets(topic), [
      { partition: 0, low: 0, high: 0 },
      { partition: 1, low: 0, high: 3 },
    ]);

    const records: Array<{ key: string | null; value: string; tag: string | undefined }> = [];
    const consumer = admin.createGroupConsumer(
      { groupId: `kp.g${randomBytes(5).toString('hex')}`, topic, fromBeginning: true },
      {
        onRecords: (rs) => records.push(...rs.map((r) => ({ key: r.key?.toString() ?? null, value: r.value.toString(), tag: r.headers['X-Tag']?.toString() }))),
        onAssigned: () => undefined,
        onCrash: () => undefined,
      },
    );
    await consumer.start();
    try {
      await waitFor(() => records.length >= 3, { timeoutMs: 30_000, message: 'three records consumed' });
    } finally {
      await consumer.close();
    }
    assert.deepEqual(records, [
      { key: 'k1', value: 'one', tag: 'étiquette' },
      { key: null, value: 'two', tag: undefined },
      { key: null, value: 'three', tag: undefined },
    ]);
  });

  it('a missing topic is unknown-topic, a record over the broker limit is too-large', async () => {
    const missing = await produced(producer.produce(randomTopic(), [{ partition: 0, key: null, value: Buffer.from('x'), headers: {} }], opts)).then(
      () => assert.fail('produce to a missing topic must fail'),
      (e: unknown) => e,
    );
    assert.ok(missing instanceof KafkaClientError && missing.kind === 'unknown-topic', String(missing));

    const topic = randomTopic();
    await admin.createTopic(topic, 1, 1);
    const big = await produced(producer.produce(topic, [{ partition: 0, key: null, value: Buffer.alloc(2 * 1024 * 1024, 0x61), headers: {} }], opts)).then(
      () => assert.fail('a 2 MiB record must be refused'),
      (e: unknown) => e,
    );
    assert.ok(big instanceof KafkaClientError && big.kind === 'too-large', String(big));
  });

  it('a partition the topic does not have fails as unknown-topic, and nothing is written to another partition for it', async () => {
    // The store asks for partitions by the count it cached: a topic re-created with fewer partitions.
    const topic = randomTopic();
    await admin.createTopic(topic, 2, 1);
    const record = (partition: number, v: string) => ({ partition, key: null, value: Buffer.from(v), headers: {} });
    const requests = producer.produce(topic, [record(1, 'a'), record(3, 'b')], opts);
    const outcomes = await Promise.allSettled(requests.map((r) => r.done));
    requests.forEach((r, i) => {
      if (!r.partitions.includes(3)) return;
      const o = outcomes[i]!;
      assert.equal(o.status, 'rejected', 'no ack for a partition the topic does not have');
      assert.ok(o.reason instanceof KafkaClientError && o.reason.kind === 'unknown-topic', String(o.reason));
    });
    const high = (await admin.topicOffsets(topic)).find((p) => p.partition === 1)!.high;
    assert.ok(high <= 1, `partition 1 holds ${high} records: the record for partition 3 went there`);
  });

  it('a broker that refuses connections fails the send as unavailable, without hanging', async () => {
    const dead = new PlatformaticProducer({ brokers: ['127.0.0.1:1'], produceTimeoutMs: 1_000, connectionTimeoutMs: 300, produceRetries: 1 });
    try {
      const t0 = performance.now();
      const e = await produced(dead.produce('a.t.v1', [{ partition: 0, key: null, value: Buffer.from('x'), headers: {} }], opts)).then(
        () => assert.fail('must fail'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof KafkaClientError && e.kind === 'unavailable', String(e));
      assert.ok(performance.now() - t0 < 3_000, 'bounded by retries and delays');
    } finally {
      await dead.close();
    }
  });
});
