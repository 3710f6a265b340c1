// The 3-broker Kafka cluster (127.0.0.1:19092-19094) for replication tests: start or reuse, kill -9 and restart brokers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_BROKERS, clusterMember, kafkaClusterService } from '../../scripts/services/kafka-cluster.js';
import { acquireLock } from '../../scripts/services/lock.js';
import { infraDir } from '../../scripts/services/paths.js';
import { ensureUp, killMember, release, restartMember, status, type UpResult } from '../../scripts/services/supervisor.js';

export interface KafkaCluster {
  /** `127.0.0.1:19092`, `...:19093`, `...:19094`; broker i has node id i+1. */
  readonly brokers: readonly string[];
  /** All brokers, comma-separated. */
  readonly bootstrap: string;
  /** SIGKILLs broker i (0, 1 or 2) and waits until the process is gone. */
  killBroker(i: number): Promise<void>;
  /** Starts broker i again on its data; resolves once it answers and sees all three brokers. */
  restartBroker(i: number): Promise<void>;
  /** Restarts killed brokers, lets the next test have the cluster, and stops it if this process started it. */
  stop(): Promise<void>;
}

export interface StartKafkaClusterOptions {
  /** How long to wait for another test process that has the cluster (ms, default 600000). */
  waitMs?: number;
}

function checkIndex(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= CLUSTER_BROKERS.length) throw new Error(`broker index ${i} out of range 0..${CLUSTER_BROKERS.length - 1}`);
}

/**
 * Takes the cluster for this test process, then starts it (~15–30 s, three JVMs on 2 cores) or reuses a running one
 * and restarts any broker left dead. One test process at a time: two tests killing brokers at once would take the
 * controller quorum down. run-tests runs the files that import this helper one by one, so within a run nobody waits;
 * a second run on the same machine waits here (give `before()` a `timeout` above `waitMs` in that case).
 * Under run-tests the cluster stays up for later files and is stopped at the end of the run.
 */
export async function startKafkaCluster(opts: StartKafkaClusterOptions = {}): Promise<KafkaCluster> {
  const runner = Number(process.env.KATEWAY_TEST_OWNER_PID) || undefined;
  const holder = runner ?? process.pid;
  const dir = infraDir(kafkaClusterService.name);
  mkdirSync(dir, { recursive: true });
  const unlock = await acquireLock(join(dir, '.in-use'), opts.waitMs ?? 600_000);
  let up: UpResult;
  try {
    up = await ensureUp(kafkaClusterService, { owner: 'auto', leaseHolder: holder, fresh: true, jit: 'quick' });
  } catch (err) {
    unlock();
    throw err;
  }
  const external = up.state === 'external';
  let stopped = false;
  return {
    brokers: CLUSTER_BROKERS,
    bootstrap: CLUSTER_BROKERS.join(','),
    async killBroker(i) {
      checkIndex(i);
      if (external) throw new Error(`the Kafka cluster on ${CLUSTER_BROKERS.join(',')} was not started by this checkout; cannot kill its brokers`);
      await killMember(kafkaClusterService, clusterMember(i));
    },
    async restartBroker(i) {
      checkIndex(i);
      await restartMember(kafkaClusterService, clusterMember(i));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        const st = await status(kafkaClusterService);
        if (st.state === 'degraded') for (const m of st.dead) await restartMember(kafkaClusterService, m);
        if (holder === process.pid) await release(kafkaClusterService, holder);
      } finally {
        unlock();
      }
    },
  };
}
