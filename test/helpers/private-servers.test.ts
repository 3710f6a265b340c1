// Proves the private-instance helpers: each server starts on a free port, survives kill/stop + restart, and closes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { portOpen, redisPing, zkFourLetter } from '../../scripts/services/net.js';
import { startPrivateKafka } from './kafka-server.js';
import { startPrivateRedis } from './redis-server.js';
import { uniqueName } from './unique-name.js';
import { waitFor, waitForEvent } from './wait-for.js';
import { startPrivateZookeeper } from './zookeeper-server.js';

const { Kafka, logLevel } = kafkajs;

async function withClient<T>(connect: string, fn: (c: zookeeper.Client) => Promise<T>): Promise<T> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 4000 });
  const connected = waitForEvent(client, 'connected', { timeoutMs: 10_000 });
  client.connect();
  try {
    await connected;
    return await fn(client);
  } finally {
    client.close();
  }
}

describe('startPrivateZookeeper', () => {
  it('keeps its data across stop and restart on the same port', async () => {
    const zk = await startPrivateZookeeper();
    const path = `/${uniqueName('persist')}`;
    try {
      // A fresh client per server life: see the note in zookeeper-server.ts on reconnecting with an old session.
      await withClient(zk.connectString, (c) =>
        new Promise<void>((res, rej) => c.create(path, zookeeper.CreateMode.PERSISTENT, (e) => (e ? rej(e) : res()))),
      );
      await zk.stop();
      assert.equal(zk.running, false);
      assert.equal(await zkFourLetter(zk.port, 'ruok'), '');
      await zk.restart();
      const exists = await withClient(zk.connectString, (c) =>
        new Promise<boolean>((res, rej) => c.exists(path, (e, stat) => (e ? rej(e) : res(Boolean(stat))))),
      );
      assert.equal(exists, true);
    } finally {
      await zk.close();
    }
    assert.equal(existsSync(zk.dir), false);
  });

  it('comes back on the same port after kill -9', async () => {
    const zk = await startPrivateZookeeper();
    try {
      await zk.kill();
      assert.equal(await zkFourLetter(zk.port, 'ruok'), '');
      await zk.restart();
      assert.equal(await zkFourLetter(zk.port, 'ruok'), 'imok');
    } finally {
      await zk.close();
    }
  });
});

describe('startPrivateRedis', () => {
  it('answers PING, is gone after kill, and answers again after restart', async () => {
    const redis = await startPrivateRedis();
    try {
      assert.equal(await redisPing(redis.port), true);
      await redis.kill();
      assert.equal(await portOpen(redis.port), false);
      await redis.restart();
      assert.equal(await redisPing(redis.port), true);
    } finally {
      await redis.close();
    }
  });
});

describe('startPrivateKafka', () => {
  it('keeps topics and messages across kill -9 and restart', async () => {
    const broker = await startPrivateKafka();
    const kafka = new Kafka({ clientId: 'private-test', brokers: [broker.connectString], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topic = uniqueName('priv');
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
      await producer.disconnect();
      await admin.disconnect();
      await broker.kill();
      await broker.restart();
      await admin.connect();
      const offsets = await waitFor(async () => admin.fetchTopicOffsets(topic), { timeoutMs: 20_000, message: 'topic back' });
      assert.deepEqual(offsets.map((o) => o.high), ['2']);
    } finally {
      await admin.disconnect();
      await broker.close();
    }
  });
});
