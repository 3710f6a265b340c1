// Private ZooKeeper for tests that stop, kill or restart it ("ZooKeeper down" cases) without touching the shared one.
import { writeZookeeperConfig, zookeeperLaunchSpec, zookeeperReady } from '../../scripts/services/zookeeper.js';
import { freePort } from './free-port.js';
import { startPrivateServer, type PrivateServer } from './private-server.js';

export interface PrivateZookeeperOptions {
  /** ms; sessions may last 2–20 ticks. Default 500 (1–10 s sessions). */
  tickTime?: number;
}

/**
 * Starts a standalone ZooKeeper on a free port (~0.5–1 s). `restart()` keeps port and data, so a client session
 * survives a stop/start shorter than its timeout; `kill()` is a SIGKILL.
 */
export function startPrivateZookeeper(opts: PrivateZookeeperOptions = {}): Promise<PrivateServer> {
  return startPrivateServer({
    name: 'zookeeper',
    readyTimeoutMs: 30_000,
    configure: async (dir) => {
      const port = await freePort();
      writeZookeeperConfig(dir, { port, tickTime: opts.tickTime ?? 500 }, true);
      const launch = zookeeperLaunchSpec(dir);
      return { port, launch, ready: () => zookeeperReady(port), logFiles: [launch.logFile] };
    },
  });
}
