// The supervisor against real (tiny) processes: a member that dies while its service starts is reported with its exit
// status after one more start, never left as a pending promise.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ManagedService, ServiceName } from './managed-service.js';
import { infraDir } from './paths.js';
import { ensureUp } from './supervisor.js';

/** A service whose single member exits at once with code 7; it never becomes ready. */
function dyingService(): ManagedService & { starts: number } {
  // Not one of the real services: a folder of its own under .data/infra, removed afterwards.
  const name = `supervisor-test-${process.pid}-${Date.now()}` as ServiceName;
  const svc = {
    name,
    endpoint: 'none',
    ports: [],
    members: ['main'],
    readyTimeoutMs: 30_000,
    starts: 0,
    install: async () => undefined,
    prepare: async () => {
      svc.starts++;
    },
    launchSpec: (dir: string) => ({ cmd: 'sh', args: ['-c', 'exit 7'], cwd: dir, logFile: join(dir, 'stdout.log') }),
    probe: async () => false,
    logFiles: (dir: string) => [join(dir, 'stdout.log')],
  };
  return svc;
}

describe('supervisor > ensureUp', () => {
  it('reports a member that exits during the start with its exit code, after one more start', async () => {
    const svc = dyingService();
    try {
      await assert.rejects(ensureUp(svc, { owner: 'auto', fresh: true, jit: 'quick' }), (err: Error) => {
        assert.match(err.message, /process exited/);
        assert.match(err.message, /main: code 7 signal null[^]*the first start failed too[^]*main: code 7 signal null/);
        return true;
      });
      assert.equal(svc.starts, 2, 'the service is prepared and started a second time');
    } finally {
      rmSync(infraDir(svc.name), { recursive: true, force: true });
    }
  });
});
