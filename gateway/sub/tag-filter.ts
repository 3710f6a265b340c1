// The subscriber's X-Tag filter, as in the original (pumpMessages): a message passes when it carries one of the asked tags.
import { setImmediate } from 'node:timers/promises';
import { badRequest } from '../../shared/errors.js';
import type { StoredMessage } from '../store/store.js';
import type { Delivery, GroupSession } from './group-session.js';

/** Longest stretch spent skipping before the event loop gets a turn. */
const SKIP_SLICE_MS = 10;
/** Messages examined per pull while filtering, whatever the client's batch: skipping one message per pull (and per
 * store fetch) was ~13x slower. What follows the client's last wanted message goes back to the session's queue. */
const FILTER_PULL = 100;

/** The tags a subscriber asked for (never empty): a message passes when it carries at least one of them. */
export type TagFilter = ReadonlySet<string>;

/** The entries of a cookie-style tag (`a=b; c=d`): split on `;`, trimmed, empty entries dropped. */
function tagEntries(tag: string): string[] {
  return tag
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/**
 * The filter of a subscribe request (`X-Tag: t1;t2`), or undefined when it asks for nothing (absent, or only `;`).
 * A filter is a tag, so it has the publisher's size limit: a longer one is a 400.
 */
export function parseTagFilter(raw: string | undefined, maxBytes: number): TagFilter | undefined {
  if (raw === undefined) return undefined;
  if (Buffer.byteLength(raw) > maxBytes) throw badRequest(`too big tag filter: limit is ${maxBytes} bytes`);
  const tags = tagEntries(raw);
  return tags.length > 0 ? new Set(tags) : undefined;
}

/** Whether a message's tag has an entry the filter asks for; an untagged message never passes. */
export function passesTagFilter(filter: TagFilter, tag: string | null): boolean {
  // Per message: no arrays (the filter never holds an empty entry, so an empty one here cannot match).
  if (tag === null) return false;
  for (const t of tag.split(';')) if (filter.has(t.trim())) return true;
  return false;
}

/**
 * `session.pull` for a filtered subscriber: messages the filter rejects are skipped (processed at once for the group)
 * and pulling goes on until a delivery keeps something. The wait is measured from this call, not restarted by skipped
 * messages, so a stream of non-matching messages still ends the long poll in time. `onSkipped` gets the count of
 * every skipped run (for the metrics). Without a filter it is `session.pull` itself.
 */
export async function pullFiltered(
  session: GroupSession,
  filter: TagFilter | undefined,
  max: number,
  waitMs: number,
  signal: AbortSignal | undefined,
  onSkipped: (n: number) => void,
): Promise<Delivery | undefined> {
  if (!filter) return session.pull(max, waitMs, signal);
  const keep = (m: StoredMessage): boolean => passesTagFilter(filter, m.tag);
  const deadline = performance.now() + waitMs;
  let sliceStart = performance.now();
  // Ask for what the client wants first; pull in bulk only once a pull kept nothing (a run of non-matching messages),
  // so that a mostly matching stream does not take and give back FILTER_PULL messages per delivery.
  let want = max;
  for (;;) {
    const left = Math.ceil(deadline - performance.now());
    if (left <= 0 || signal?.aborted) return undefined;
    const delivery = await session.pull(want, left, signal);
    if (!delivery) return undefined;
    const { kept, skipped } = session.skip(delivery, keep, max);
    if (skipped > 0) onSkipped(skipped);
    if (kept) return kept;
    want = Math.max(max, FILTER_PULL);
    // Over a backlog of non-matching messages every pull answers at once (and the memory and SQLite stores fetch
    // without I/O), so this loop would run on microtasks alone and starve the process: yield a turn now and then.
    if (performance.now() - sliceStart > SKIP_SLICE_MS) {
      await setImmediate();
      sliceStart = performance.now();
    }
  }
}
