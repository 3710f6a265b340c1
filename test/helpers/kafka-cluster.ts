// The 3-broker Kafka cluster (127.0.0.1:19092-19094) for replication tests: start or reuse, kill -9 and restart brokers.
import { CLUSTER_BROKERS, clusterMember, kafkaClusterService } from '../../scripts/services/kafka-cluster.js';
import { ensureUp, killMember, release, restartMember, status } from '../../scripts/services/supervisor.js';

export interface KafkaCluster {
  /** `127.0.0.1:19092`, `...:19093`, `...:19094`; broker i has node id i+1. */
  readonly brokers: readonly string[];
  /** All brokers, comma-separated. */
  readonly bootstrap: string;
  /** SIGKILLs broker i (0, 1 or 2) and waits until the process is gone. */
  killBroker(i: number): Promise<void>;
  /** Starts broker i again on its data; resolves once it answers and sees all three brokers. */
  restartBroker(i: number): Promise<void>;
  /** Restarts killed brokers, then stops the cluster if this process started it (a test run stops it at its end). */
  stop(): Promise<void>;
}

function checkIndex(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= CLUSTER_BROKERS.length) throw new Error(`broker index ${i} out of range 0..${CLUSTER_BROKERS.length - 1}`);
}

/**
 * Starts the cluster (~15–25 s cold, JVMs in parallel on 2 cores) or reuses a running one, and restarts any broker
 * an earlier test left dead. Under run-tests the cluster is kept for the rest of the run (other files reuse it) and
 * stopped at its end. Tests in different files share it: a test that kills a broker must restart it before ending.
 */
export async function startKafkaCluster(): Promise<KafkaCluster> {
  const runner = Number(process.env.KATEWAY_TEST_OWNER_PID) || undefined;
  const holder = runner ?? process.pid;
  const up = await ensureUp(kafkaClusterService, { owner: 'auto', leaseHolder: holder, fresh: true, jit: 'quick' });
  return {
    brokers: CLUSTER_BROKERS,
    bootstrap: CLUSTER_BROKERS.join(','),
    async killBroker(i) {
      checkIndex(i);
      if (up.state === 'external') throw new Error('the Kafka cluster on 19092-19094 was not started by this checkout; cannot kill its brokers');
      await killMember(kafkaClusterService, clusterMember(i));
    },
    async restartBroker(i) {
      checkIndex(i);
      await restartMember(kafkaClusterService, clusterMember(i));
    },
    async stop() {
      const st = await status(kafkaClusterService);
      if (st.state === 'degraded') for (const m of st.dead) await restartMember(kafkaClusterService, m);
      if (holder === process.pid) await release(kafkaClusterService, holder);
    },
  };
}
