// Every SQL statement of the SQLite store, prepared once per connection.
import type { SqliteDatabase } from './sqlite-schema.js';

/** A message row as `selectMessages` returns it in raw mode: off, ts, key, tag, value. */
export type MessageRow = [number, number, Buffer | null, string | null, Buffer];
/** A partitions row: part, next_offset, oldest. */
export type PartitionRow = [number, number, number];
/** A topics row: id, name, partitions. */
export type TopicRow = [number, string, number];

export function prepareStatements(db: SqliteDatabase) {
  return {
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    topicByName: db.prepare<[string], TopicRow>('SELECT id, name, partitions FROM topics WHERE name = ?').raw(),
    allTopics: db.prepare<[], TopicRow>('SELECT id, name, partitions FROM topics ORDER BY id').raw(),
    insertTopic: db.prepare<[string, number, number]>(
      'INSERT INTO topics (name, partitions, created_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    insertPartition: db.prepare<[number, number]>(
      'INSERT INTO partitions (topic_id, part, next_offset, oldest) VALUES (?, ?, 0, 0)',
    ),
    partitionsOf: db.prepare<[number], PartitionRow>(
      'SELECT part, next_offset, oldest FROM partitions WHERE topic_id = ? ORDER BY part',
    ).raw(),
    nextOffset: db.prepare<[number, number], number>(
      'SELECT next_offset FROM partitions WHERE topic_id = ? AND part = ?',
    ).pluck(),
    setNextOffset: db.prepare<[number, number, number]>(
      'UPDATE partitions SET next_offset = ? WHERE topic_id = ? AND part = ?',
    ),
    selectMessages: db.prepare<[number, number, number, number], MessageRow>(
      'SELECT off, ts, key, tag, value FROM messages WHERE topic_id = ? AND part = ? AND off >= ? ORDER BY off LIMIT ?',
    ).raw(),
    commitOffset: db.prepare<[number, string, number, number]>(
      `INSERT INTO group_offsets (topic_id, grp, part, next_offset) VALUES (?, ?, ?, ?)
       ON CONFLICT (topic_id, grp, part) DO UPDATE SET next_offset = excluded.next_offset
       WHERE excluded.next_offset > group_offsets.next_offset`,
    ),
    committedOffsets: db.prepare<[number, string], [number, number]>(
      'SELECT part, next_offset FROM group_offsets WHERE topic_id = ? AND grp = ? ORDER BY part',
    ).raw(),
    firstOffsetSince: db.prepare<[number, number, number, number, number], number>(
      'SELECT off FROM messages WHERE topic_id = ? AND part = ? AND off >= ? AND off < ? AND ts >= ? ORDER BY off LIMIT 1',
    ).pluck(),
    deleteBefore: db.prepare<[number, number, number]>('DELETE FROM messages WHERE topic_id = ? AND part = ? AND off < ?'),
    setOldest: db.prepare<[number, number, number]>(
      'UPDATE partitions SET oldest = MAX(oldest, ?) WHERE topic_id = ? AND part = ?',
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;
