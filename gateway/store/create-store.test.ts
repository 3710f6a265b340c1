// Proves createStore builds the configured local store and validates its options.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from './create-store.js';

describe('createStore', () => {
  it('builds a memory store', async () => {
    const store = await createStore({ kind: 'memory', maxMessagesPerPartition: 10 });
    assert.equal(store.kind, 'memory');
    await store.close();
  });

  it('builds a sqlite store, creating its directory and accepting FULL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kateway-cs-'));
    try {
      const path = join(dir, 'nested', 'store.db');
      const store = await createStore({ kind: 'sqlite', path, synchronous: 'FULL' });
      assert.equal(store.kind, 'sqlite');
      assert.ok(existsSync(path));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid options', async () => {
    await assert.rejects(createStore({ kind: 'memory', maxMessagesPerPartition: -1 }), TypeError);
    await assert.rejects(createStore({ kind: 'sqlite', path: '/tmp/x.db', synchronous: 'OFF' as 'FULL' }), TypeError);
  });
});
