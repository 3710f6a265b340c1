// Redis 7 from the Debian package: launch command and readiness, for the shared and private instances.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedService, StartOptions } from './managed-service.js';
import { redisPing } from './net.js';
import type { LaunchSpec } from './proc.js';
import { port } from './ports.js';

/** The shared instance's port (KATEWAY_TEST_REDIS=127.0.0.1:6379). */
export const REDIS_PORT = port(6379);

/** Prepares `dir` (Redis keeps nothing: no RDB snapshots, no AOF). */
export function prepareRedisDir(dir: string, fresh: boolean): void {
  if (fresh) {
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    rmSync(join(dir, 'redis.log'), { force: true });
  }
  mkdirSync(join(dir, 'data'), { recursive: true });
}

/** `redis-server` in the foreground on 127.0.0.1:`port`, logging to `dir/redis.log`. */
export function redisLaunchSpec(dir: string, port: number): LaunchSpec {
  return {
    cmd: 'redis-server',
    args: [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--dir', join(dir, 'data'),
      '--logfile', '',
    ],
    cwd: dir,
    logFile: join(dir, 'redis.log'),
  };
}

/** The shared Redis on 127.0.0.1:6379. */
export const redisService: ManagedService = {
  name: 'redis',
  endpoint: `127.0.0.1:${REDIS_PORT}`,
  ports: [REDIS_PORT],
  members: ['main'],
  readyTimeoutMs: 15_000,
  install: async () => undefined,
  prepare: async (dir: string, opts: StartOptions) => prepareRedisDir(dir, opts.fresh),
  launchSpec: (dir: string) => redisLaunchSpec(dir, REDIS_PORT),
  probe: () => redisPing(REDIS_PORT),
  logFiles: (dir: string) => [join(dir, 'redis.log')],
};
