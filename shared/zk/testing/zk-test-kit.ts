// Test-only ZooKeeper tools: a random chroot per test, a TCP relay that partitions clients, and session expiry.
import { createServer, connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ZkClient } from '../zk-client.js';

/** A fresh random chroot (e.g. `/t-1a2b3c4d`) on `server` and the connect string that uses it. */
export async function randomChroot(server: string): Promise<{ connectString: string; chroot: string }> {
  const chroot = `/t-${randomBytes(4).toString('hex')}`;
  const zk = await ZkClient.connect({ connectString: server });
  try {
    await zk.create(chroot);
  } finally {
    await zk.close();
  }
  return { connectString: `${server}${chroot}`, chroot };
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

/** Relays to `target` (`host:port`, the first one of a connect string without chroot). */
export async function startPartitionProxy(target: string): Promise<PartitionProxy> {
  const first = target.split(',')[0] ?? '';
  const targetHost = first.slice(0, first.lastIndexOf(':'));
  const targetPort = Number(first.slice(first.lastIndexOf(':') + 1));
  let cut = false;
  const pairs = new Set<Socket>();
  const srv = createServer((down) => {
    if (cut) {
      down.destroy();
      return;
    }
    const up = connect(targetPort, targetHost);
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
 * learns of the expiry on reconnect. `whileCut` runs while `zk` is cut off. Resolves once `zk` reported 'expired'.
 */
export async function expireSession(
  zk: ZkClient,
  proxy: PartitionProxy,
  observer: ZkClient,
  opts: { deadlineMs?: number; whileCut?: () => Promise<void> } = {},
): Promise<void> {
  const deadlineMs = opts.deadlineMs ?? 15_000;
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
    await opts.whileCut?.();
    const deadline = Date.now() + deadlineMs;
    // Polled: the observer could watch the probe, but a poll also covers the observer reconnecting meanwhile.
    while ((await observer.exists(probe)) !== undefined) {
      if (Date.now() > deadline) throw new Error(`session not expired by the server within ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
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
