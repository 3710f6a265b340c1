// Tests how often ChangePoller reads PRAGMA data_version: a look just made is not repeated for a fetch about to wait.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChangePoller } from './change-poller.js';
import type { SqliteTopic } from './sqlite-topic.js';

/** A topic as the poller sees it: its last look and version, and how often it reloaded. */
function fakeTopic() {
  const t = { lookedAt: -Infinity, seenVersion: 1, loads: 0, load: (v: number) => ((t.seenVersion = v), t.loads++, true) };
  return t;
}

describe('ChangePoller > refresh', () => {
  it('skips a look younger than maxAgeMs, and always looks with maxAgeMs 0', () => {
    let version = 1;
    let reads = 0;
    const poller = new ChangePoller(4, () => (reads++, version));
    const t = fakeTopic();
    const topic = t as unknown as SqliteTopic;
    assert.equal(poller.refresh(topic, 60_000), false, 'first look: version unchanged');
    assert.equal(reads, 1);
    version = 2;
    assert.equal(poller.refresh(topic, 60_000), false, 'looked a moment ago: skipped');
    assert.equal(reads, 1);
    assert.equal(poller.refresh(topic), true, 'maxAgeMs 0: looks, sees the other process\'s commit');
    assert.equal(reads, 2);
    assert.equal(t.loads, 1);
    poller.stop();
  });
});
