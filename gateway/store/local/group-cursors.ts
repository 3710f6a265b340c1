// The in-process delivery position of each consumer group, shared by every reader of that group.

/**
 * The next offset to deliver, per partition, for one (topic, group). Readers of the same group share
 * it, so that two sessions of one group split the messages instead of each getting all of them (a
 * group's sessions meet on one gateway because the proxy hashes app+group). It lives only while a
 * reader of the group is open; the next reader after that starts from the committed offsets.
 */
export interface GroupCursor {
  readonly positions: number[];
}

interface Entry {
  cursor: GroupCursor;
  members: number;
}

/** The live cursors of one store, keyed by topic and group. */
export class GroupCursors {
  readonly #entries = new Map<string, Entry>();

  /** Joins the group's live cursor, or starts one at `initial()` when no reader of the group is open. */
  acquire(topic: string, group: string, initial: () => number[]): GroupCursor {
    const id = cursorId(topic, group);
    const entry = this.#entries.get(id);
    if (entry) {
      entry.members += 1;
      return entry.cursor;
    }
    const cursor: GroupCursor = { positions: initial() };
    this.#entries.set(id, { cursor, members: 1 });
    return cursor;
  }

  /** Leaves the group; the last reader to leave drops the cursor. */
  release(topic: string, group: string): void {
    const id = cursorId(topic, group);
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.members -= 1;
    if (entry.members <= 0) this.#entries.delete(id);
  }
}

const cursorId = (topic: string, group: string): string => `${topic}\u0000${group}`;
