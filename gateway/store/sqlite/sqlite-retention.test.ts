// Proves retention deletes by count and by age, moves `oldest`, and never lets offsets go back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readExactly } from '../store.case.test.js';
import { useTempDatabase } from './testing/temp-database.js';

const open = useTempDatabase('ret').open;
const batch = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${prefix}${i}`) }));

describe('SqliteStore > retention', () => {
  it('keeps maxMessagesPerPartition messages; a reader left behind resumes at the oldest', async () => {
    const store = open({ maxMessagesPerPartition: 10, retentionMs: 0 });
    await store.createTopic('t', { partitions: 1 });
    const reader = await store.openReader('t', 'g', { reset: 'oldest' });
    await store.append('t', batch(25, 'm'));
    assert.equal(await store.prune(), 15);
    assert.deepEqual(await store.partitions('t'), [{ partition: 0, oldest: 15, latest: 25 }]);
    const read = await readExactly(reader, 10, 2000);
    assert.deepEqual(read.map((m) => m.offset), Array.from({ length: 10 }, (_, i) => i + 15));
  });

  it('deletes messages older than retentionMs', async () => {
    let clock = 1_000_000;
    const store = open({ retentionMs: 5000, now: () => clock });
    await store.createTopic('t', { partitions: 1 });
    await store.append('t', batch(5, 'old'));
    clock += 10_000;
    await store.append('t', batch(5, 'new'));
    clock += 2000;
    assert.equal(await store.prune(), 5);
    assert.deepEqual(await store.partitions('t'), [{ partition: 0, oldest: 5, latest: 10 }]);
    const fresh = await store.openReader('t', 'g2', { reset: 'oldest' });
    assert.deepEqual((await fresh.fetch(100, 0)).map((m) => m.value.toString()), ['new0', 'new1', 'new2', 'new3', 'new4']);
  });

  it('prunes a large backlog in chunks, and offsets continue after everything was deleted', async () => {
    let clock = 1_000_000;
    const store = open({ retentionMs: 1000, now: () => clock });
    await store.createTopic('t', { partitions: 2 });
    for (let i = 0; i < 6; i++) await store.append('t', batch(2000, `b${i}-`));
    clock += 5000;
    assert.equal(await store.prune(), 12_000);
    const infos = await store.partitions('t');
    for (const info of infos) assert.equal(info.oldest, info.latest);
    const [pos] = await store.append('t', [{ value: Buffer.from('after') }]);
    assert.equal(pos!.offset, infos[pos!.partition]!.latest);
  });

  it('rejects invalid options at construction', () => {
    assert.throws(() => open({ retentionMs: -1 }), /retentionMs/);
    assert.throws(() => open({ synchronous: 'off' as 'full' }), /synchronous/);
    assert.throws(() => open({ pollIntervalMs: 0 }), /pollIntervalMs/);
  });
});
