// Private ZooKeeper for tests that stop, kill or restart it ("ZooKeeper down" cases) without touching the shared one.
import { writeZookeeperConfig, zookeeperLaunchSpec, zookeeperReady } from '../../scripts/services/zookeeper.js';
import { freePort } from './free-port.js';
import { startPrivateServer, type PrivateServer } from './private-server.js';

export interface PrivateZookeeperOptions {
  /** ms; sessions may last 2–20 ticks. Default 500 (1–10 s sessions). */
  tickTime?: number;
}

/**
 * Starts a standalone ZooKeeper on a free port (~0.5–1 s). `restart()` keeps port and data (sessions are restored
 * from the snapshot); `kill()` is a SIGKILL.
 *
 * Measured here: after a restart, a node-zookeeper-client that reconnects with its OLD session stalls in about half
 * the cases: no 'connected' and no 'expired' event, ever (the server's `cons` shows the connection with recved=1
 * sent=0), while a new client connects in ~30 ms. Code that must survive a ZooKeeper restart needs a watchdog that
 * replaces a client stuck disconnected for longer than its session timeout.
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
