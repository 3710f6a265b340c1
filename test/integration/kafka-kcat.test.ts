// Interop with an independent client (kcat/librdkafka): it reads what KafkaStore appends and vice versa, byte for byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { partitionForKey } from '../../gateway/store/partitioner.js';
import { readExactly } from '../../gateway/store/store.case.test.js';
import { KafkaStore } from '../../gateway/store/kafka/kafka-store.js';
import type { OutgoingMessage } from '../../gateway/store/store.js';
import { hostList, requireKafka } from '../helpers/services.js';

const run = promisify(execFile);


interface KcatRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  headers: string;
  value: Buffer;
}

/**
 * Consumes the whole topic with kcat. The format prints a text line with partition, offset, key length
 * (-1 = null), payload length and headers, then the raw key and payload bytes, so binary data survives.
 */
async function kcatConsume(broker: string, topic: string): Promise<KcatRecord[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\\t%o\\t%K\\t%S\\t%h\\n%k%s\\n'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
  );
  const out: KcatRecord[] = [];
  let at = 0;
  while (at < stdout.length) {
    const nl = stdout.indexOf(0x0a, at);
    const [p, o, k, s, h] = stdout.subarray(at, nl).toString('utf8').split('\t');
    at = nl + 1;
    const keyLen = Number(k);
    const key = keyLen < 0 ? null : Buffer.from(stdout.subarray(at, at + keyLen));
    at += Math.max(0, keyLen);
    const value = Buffer.from(stdout.subarray(at, at + Number(s)));
    at += Number(s) + 1; // the trailing newline
    out.push({ partition: Number(p), offset: Number(o), key, headers: h ?? '', value });
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

describe('Kafka interop > kcat', { timeout: 120_000 }, () => {
  let broker: string;
  let store: KafkaStore;
  let dir: string;
  before(async () => {
    const brokers = hostList(await requireKafka());
    broker = brokers[0]!;
    await run('kcat', ['-V']).catch(() => assert.fail('kcat is not installed (apt-get install kcat)'));
    store = new KafkaStore({ brokers, clientId: 'kateway-kcat-test' });
    dir = mkdtempSync(join(tmpdir(), 'kateway-kcat-'));
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kcat reads topic, key, X-Tag header and value of what the store appended', async () => {
    const topic = `interop.t${randomBytes(4).toString('hex')}.v1`;
    await store.createTopic(topic, { partitions: 3 });
    const binary = randomBytes(4096);
    binary[0] = 0x01; // would have meant "tagged" in the original's in-band format
    const sent: OutgoingMessage[] = [
      { value: binary, key: 'user-1', tag: 'a=b;c=d' },
      { value: Buffer.from([0x00, 0x0a, 0xff, 0x0a]), key: 'user-2' },
      { value: Buffer.from('plain, no key, no tag') },
      { value: Buffer.from('ünïcødé ✓'), key: 'ключ', tag: 'vip' },
    ];
    const positions = await store.append(topic, sent.slice(0, 2));
    positions.push(...(await store.append(topic, sent.slice(2, 3))), ...(await store.append(topic, sent.slice(3))));
    const got = await kcatConsume(broker, topic);
    assert.equal(got.length, sent.length);
    sent.forEach((m, i) => {
      const pos = positions[i]!;
      const rec = got.find((r) => r.partition === pos.partition && r.offset === pos.offset);
      assert.ok(rec, `kcat saw ${pos.partition}:${pos.offset}`);
      assert.ok(rec.value.equals(m.value), `value ${i} byte for byte`);
      assert.deepEqual(rec.key, m.key === undefined ? null : Buffer.from(m.key, 'utf8'), `key ${i}`);
      assert.equal(rec.headers, m.tag === undefined ? '' : `X-Tag=${m.tag}`, `headers ${i}`);
      if (m.key !== undefined) assert.equal(rec.partition, partitionForKey(m.key, 3), `partition of key ${m.key}`);
    });
  });

  it("the store's reader delivers what kcat produced, and librdkafka's murmur2 agrees on partitions", async () => {
    const topic = `interop.t${randomBytes(4).toString('hex')}.v1`;
    await store.createTopic(topic, { partitions: 6 });
    const reader = await store.openReader(topic, `interop.g${randomBytes(4).toString('hex')}`, { reset: 'oldest' });
    const cases = [
      { key: 'order-42', tag: 'red;big', value: randomBytes(2048) },
      { key: 'order-43', tag: undefined, value: Buffer.from([0x01, 0x00, 0x02]) },
      { key: 'ключ-🔑', tag: 'x=y', value: Buffer.from('from kcat') },
      { key: 'k', tag: undefined, value: randomBytes(100_000) },
    ];
    for (const [i, c] of cases.entries()) {
      const file = join(dir, `m${i}`);
      writeFileSync(file, c.value);
      const args = ['-P', '-b', broker, '-t', topic, '-k', c.key, '-X', 'partitioner=murmur2_random'];
      if (c.tag !== undefined) args.push('-H', `X-Tag=${c.tag}`);
      await run('kcat', [...args, file], { timeout: 30_000 }); // a file argument is sent as one message
    }
    const got = await readExactly(reader, cases.length, 20_000);
    for (const c of cases) {
      const m = got.find((g) => g.key?.toString('utf8') === c.key);
      assert.ok(m, `read the message keyed ${c.key}`);
      assert.ok(m.value.equals(c.value), `value of ${c.key} byte for byte`);
      assert.equal(m.tag, c.tag ?? null, `tag of ${c.key}`);
      assert.equal(m.partition, partitionForKey(c.key, 6), `kcat's murmur2 partition of ${c.key}`);
    }
    await reader.close();
  });
});
