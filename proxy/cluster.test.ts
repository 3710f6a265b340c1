// workerExecArgv: the workers' Node flags (a small V8 young generation unless the operator chose one).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerExecArgv } from './cluster.js';
import { resolveProxyConfig } from './config.js';

describe('workerExecArgv', () => {
  it('adds the configured semi-space (default 4 MB) to the primary flags', () => {
    assert.deepEqual(workerExecArgv(resolveProxyConfig({ workers: 2 }), ['--enable-source-maps']), ['--enable-source-maps', '--max-semi-space-size=4']);
    assert.deepEqual(workerExecArgv({ workerSemiSpaceMB: 8 }, []), ['--max-semi-space-size=8']);
  });
  it("keeps V8's default with 0, and an operator's own --max-semi-space-size", () => {
    assert.deepEqual(workerExecArgv({ workerSemiSpaceMB: 0 }, ['--x']), ['--x']);
    assert.deepEqual(workerExecArgv({ workerSemiSpaceMB: 4 }, ['--max-semi-space-size=32']), ['--max-semi-space-size=32']);
  });
  it('refuses a negative or fractional size', () => {
    assert.throws(() => resolveProxyConfig({ workerSemiSpaceMB: -1 }), /workerSemiSpaceMB/);
    assert.throws(() => resolveProxyConfig({ workerSemiSpaceMB: 1.5 }), /workerSemiSpaceMB/);
  });
});
