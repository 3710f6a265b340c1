// Test-only: a private ZooKeeper (Debian's jar, tickTime 500 so 1 s sessions) per test file, and a random chroot per test.
// TODO(zk-engineer): switch to test/helpers' startPrivateZookeeper() once it lands; keep this signature so the switch is one import.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ZkClient } from './zk-client.js';

export interface TestZookeeper {
  connectString: string;
  port: number;
  /** SIGTERM and wait for the JVM to exit; data stays so restart() keeps sessions and nodes. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Start again on the same port and data dir; resolves when it serves. */
  restart(): Promise<void>;
  /** Stop for good and delete the data dir. */
  destroy(): Promise<void>;
}

const CLASSPATH = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';
const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of alive) p.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends a four-letter word and returns the answer ('' when nothing listens). */
function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.setTimeout(1000, () => s.destroy());
    s.on('connect', () => s.write(word));
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(''));
  });
}

async function waitServing(port: number, proc: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`zookeeper exited with ${proc.exitCode} before serving`);
    if ((await fourLetter(port, 'srvr')).includes('Mode: standalone')) return;
    await new Promise((r) => setTimeout(r, 50)); // polling a port: there is no event to wait on
  }
  throw new Error(`zookeeper on 127.0.0.1:${port} not serving within ${deadlineMs} ms`);
}

function waitExit(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Starts a standalone ZooKeeper on 127.0.0.1 and a free port; resolves when it serves. */
export async function startTestZookeeper(): Promise<TestZookeeper> {
  const dir = await mkdtemp(join(tmpdir(), 'kateway-zk-'));
  const port = await freePort();
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      'tickTime=500',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr,cons',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const p = spawn('java', ['-Xms32m', '-Xmx128m', '-cp', CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    alive.add(p);
    p.once('exit', () => alive.delete(p));
    proc = p;
    await waitServing(port, p, 20_000);
  };
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (!proc) return;
    const p = proc;
    proc = undefined;
    p.kill(sig);
    await waitExit(p);
  };
  await start();
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGTERM');
      await start();
    },
    destroy: async () => {
      await signal('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a random chroot (e.g. `/t-1a2b3c4d`) and returns the connect string that uses it. */
export async function randomChroot(connectString: string): Promise<string> {
  const root = `/t-${randomBytes(4).toString('hex')}`;
  const zk = await ZkClient.connect({ connectString });
  try {
    await zk.create(root);
  } finally {
    await zk.close();
  }
  return `${connectString}${root}`;
}

/** Polls `cond` until it holds or the deadline passes (for state with no event to wait on, e.g. a znode's existence). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP relay in front of ZooKeeper that a test can cut (a network partition for the clients behind it only). */
export interface PartitionProxy {
  /** host:port of the relay (append the chroot yourself). */
  address: string;
  /** Drops every relayed connection and refuses new ones until heal(). */
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(targetPort: number): Promise<PartitionProxy> {
  let cut = false;
  const pairs = new Set<Socket>();
  const srv = createServer((down) => {
    if (cut) {
      down.destroy();
      return;
    }
    const up = connect(targetPort, '127.0.0.1');
    pairs.add(down).add(up);
    const drop = (): void => {
      down.destroy();
      up.destroy();
      pairs.delete(down);
      pairs.delete(up);
    };
    down.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    partition: () => {
      cut = true;
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    heal: () => {
      cut = false;
    },
    close: async () => {
      cut = true;
      for (const s of pairs) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}

/**
 * Expires the session of `zk` (connected through `proxy`) the way production sees it: cut it off until the server
 * drops the session (an ephemeral probe vanishes, as seen by `observer` in the same chroot), then heal so that `zk`
 * learns of the expiry on reconnect. Resolves once `zk` reported 'expired'.
 */
export async function expireSession(zk: ZkClient, proxy: PartitionProxy, observer: ZkClient, deadlineMs = 15_000): Promise<void> {
  const probe = `/expire-probe-${randomBytes(4).toString('hex')}`;
  await zk.create(probe, '', { mode: 'ephemeral' });
  const expired = new Promise<void>((resolve) => {
    const off = zk.onSession((e) => {
      if (e.type !== 'expired') return;
      off();
      resolve();
    });
  });
  proxy.partition();
  try {
    await waitUntil(async () => (await observer.exists(probe)) === undefined, deadlineMs, 'the server to expire the session');
  } finally {
    proxy.heal();
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    expired,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('client never reported the expiry')), deadlineMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
