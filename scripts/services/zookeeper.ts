// ZooKeeper 3.8 standalone from the Debian package: config, launch command, readiness; shared and private instances.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedService, StartOptions } from './managed-service.js';
import { zkFourLetter } from './net.js';
import type { LaunchSpec } from './proc.js';
import { port } from './ports.js';

/** The shared instance's port (KATEWAY_TEST_ZK=127.0.0.1:2181). */
export const ZK_PORT = port(2181);

const CLASSPATH = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';

export interface ZookeeperOptions {
  port: number;
  /** Base time unit in ms. Sessions may last 2–20 ticks, so 500 lets tests use 1–10 s session timeouts. */
  tickTime: number;
}

/** Writes `zoo.cfg` into `dir` (data in `dir/data`); with `fresh`, old data is removed first. */
export function writeZookeeperConfig(dir: string, opts: ZookeeperOptions, fresh: boolean): void {
  const dataDir = join(dir, 'data');
  if (fresh) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(dir, 'zookeeper.log'), { force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  const cfg = [
    `tickTime=${opts.tickTime}`,
    `dataDir=${dataDir}`,
    `clientPort=${opts.port}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    'maxClientCnxns=0',
    // Test data is disposable: skip fsync and the 64 MB transaction-log preallocation.
    'forceSync=no',
    'preAllocSize=1024',
  ];
  writeFileSync(join(dir, 'zoo.cfg'), cfg.join('\n') + '\n');
}

/** `java ... ZooKeeperServerMain zoo.cfg`, logging (slf4j-simple) to stdout, which goes to `dir/zookeeper.log`. */
export function zookeeperLaunchSpec(dir: string): LaunchSpec {
  return {
    cmd: 'java',
    args: [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      CLASSPATH,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      join(dir, 'zoo.cfg'),
    ],
    cwd: dir,
    logFile: join(dir, 'zookeeper.log'),
  };
}

/** True once the server serves requests: `srvr` reports a mode (`ruok` answers earlier than that). */
export async function zookeeperReady(port: number): Promise<boolean> {
  return /Mode: (standalone|leader|follower)/.test(await zkFourLetter(port, 'srvr'));
}

/** The shared ZooKeeper on 127.0.0.1:2181, tickTime 500. */
export const zookeeperService: ManagedService = {
  name: 'zookeeper',
  endpoint: `127.0.0.1:${ZK_PORT}`,
  ports: [ZK_PORT],
  members: ['main'],
  readyTimeoutMs: 30_000,
  install: async () => undefined,
  prepare: async (dir: string, opts: StartOptions) => writeZookeeperConfig(dir, { port: ZK_PORT, tickTime: 500 }, opts.fresh),
  launchSpec: (dir: string) => zookeeperLaunchSpec(dir),
  probe: () => zookeeperReady(ZK_PORT),
  logFiles: (dir: string) => [join(dir, 'zookeeper.log')],
};
