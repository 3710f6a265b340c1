// Unit tests of the wait helpers and free-port allocation.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePorts } from './free-port.js';
import { deferred, waitFor, waitForEvent, withTimeout } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    assert.equal(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 }), 3);
  });
  it('times out with the last error in the message', async () => {
    await assert.rejects(
      waitFor(() => {
        throw new Error('nope');
      }, { timeoutMs: 30, message: 'thing' }),
      /waitFor\(thing\) timed out after 30 ms; last error: nope/,
    );
  });
});

describe('waitForEvent', () => {
  it('resolves with the args of the first event passing the filter', async () => {
    const e = new EventEmitter();
    const p = waitForEvent(e, 'x', { filter: (v) => v === 2 });
    e.emit('x', 1);
    e.emit('x', 2, 'b');
    assert.deepEqual(await p, [2, 'b']);
    assert.equal(e.listenerCount('x'), 0);
  });
  it('rejects on an error event and on timeout', async () => {
    const e = new EventEmitter();
    const p = waitForEvent(e, 'x');
    e.emit('error', new Error('boom'));
    await assert.rejects(p, /boom/);
    await assert.rejects(waitForEvent(e, 'x', { timeoutMs: 10 }), /timed out/);
  });
});

describe('withTimeout and deferred', () => {
  it('passes a value through, or names what was too slow', async () => {
    const d = deferred<number>();
    d.resolve(7);
    assert.equal(await withTimeout(d.promise, 100, 'd'), 7);
    await assert.rejects(withTimeout(deferred<number>().promise, 10, 'slow thing'), /slow thing did not finish within 10 ms/);
  });
});

describe('freePorts', () => {
  it('returns distinct ports that can be bound', async () => {
    const ports = await freePorts(3);
    assert.equal(new Set(ports).size, 3);
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(ports[0], '127.0.0.1', () => res()));
    await new Promise<void>((res) => srv.close(() => res()));
  });
});
