// Private Redis for tests that stop, kill or restart it (rate limiting with Redis down) without touching the shared one.
import { prepareRedisDir, redisLaunchSpec } from '../../scripts/services/redis.js';
import { redisPing } from '../../scripts/services/net.js';
import { freePort } from './free-port.js';
import { startPrivateServer, type PrivateServer } from './private-server.js';

/** Starts `redis-server` on a free port (~50 ms). Nothing is persisted: a restart comes back empty. */
export function startPrivateRedis(): Promise<PrivateServer> {
  return startPrivateServer({
    name: 'redis',
    readyTimeoutMs: 15_000,
    configure: async (dir) => {
      const port = await freePort();
      prepareRedisDir(dir, true);
      const launch = redisLaunchSpec(dir, port);
      return { port, launch, ready: () => redisPing(port), logFiles: [launch.logFile] };
    },
  });
}
