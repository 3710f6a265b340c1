// Proves the shared services run-tests starts are real and reachable: ZooKeeper session, Kafka topic, Redis PING.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { redisPing, zkFourLetter } from '../../scripts/services/net.js';
import { hostList, requireKafka, requireRedis, requireZookeeper } from './services.js';
import { uniqueName } from './unique-name.js';
import { waitForEvent } from './wait-for.js';

const { Kafka, logLevel } = kafkajs;

const portOf = (hostPort: string): number => Number(hostPort.split(':').pop());

describe('shared test services', () => {
  it('ZooKeeper answers ruok and grants a 1 s session with an ephemeral node (tickTime 500)', async () => {
    const connect = await requireZookeeper();
    assert.equal(await zkFourLetter(portOf(connect), 'ruok'), 'imok');
    const client = zookeeper.createClient(connect, { sessionTimeout: 1000, retries: 0 });
    const connected = waitForEvent(client, 'connected');
    client.connect();
    await connected;
    try {
      assert.ok(client.getSessionTimeout() <= 1000, `session timeout ${client.getSessionTimeout()} ms`);
      const path = `/${uniqueName('svc-test')}`;
      const create = promisify((p: string, mode: number, cb: (e: Error | null, p: string) => void) =>
        client.create(p, Buffer.from('x'), mode, (e, created) => cb(e as Error | null, created)),
      );
      assert.equal(await create(path, zookeeper.CreateMode.EPHEMERAL), path);
    } finally {
      client.close();
    }
  });

  it('Kafka serves metadata, creates a topic and accepts a message', async () => {
    const kafka = new Kafka({ clientId: 'svc-test', brokers: hostList(await requireKafka()), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    after(async () => {
      await producer.disconnect();
      await admin.disconnect();
    });
    const { brokers } = await admin.describeCluster();
    assert.equal(brokers.length, 1);
    const topic = uniqueName('svc-test');
    assert.equal(await admin.createTopics({ topics: [{ topic }], waitForLeaders: true }), true);
    await producer.connect();
    const [res] = await producer.send({ topic, acks: -1, messages: [{ value: 'hello' }] });
    assert.equal(res?.errorCode, 0);
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => o.high), ['1']);
    await admin.deleteTopics({ topics: [topic] });
  });

  it('Redis answers PING on a raw socket and SET/GET through ioredis', async () => {
    const connect = await requireRedis();
    assert.equal(await redisPing(portOf(connect)), true);
    const redis = new Redis(portOf(connect), '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = uniqueName('svc-test');
      await redis.set(key, 'v', 'EX', 10);
      assert.equal(await redis.get(key), 'v');
    } finally {
      redis.disconnect();
    }
  });
});
