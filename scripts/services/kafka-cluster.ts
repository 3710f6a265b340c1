// A 3-broker KRaft cluster (each process broker+controller) on 127.0.0.1:19092-19094, for replication tests.
import { join } from 'node:path';
import { isFormatted, brokerLaunchSpec, brokerLogFiles, kafkaMetadataReady, prepareBroker } from './kafka-broker.js';
import { ensureKafkaLibs, kafkaLibsDir } from './kafka-dist.js';
import type { ManagedService, StartOptions } from './managed-service.js';
import { port } from './ports.js';

export const CLUSTER_SIZE = 3;
/** Client port of broker i (0-based; node id i+1). */
export const clusterBrokerPort = (i: number): number => port(19092) + i;
/** Controller port of broker i. */
const controllerPort = (i: number): number => port(19192) + i;
const indexes = [...Array(CLUSTER_SIZE).keys()];

/** Member name of broker i: `broker-<node id>`. */
export const clusterMember = (i: number): string => `broker-${i + 1}`;
const memberIndex = (member: string): number => Number(member.slice('broker-'.length)) - 1;

export const CLUSTER_BROKERS = indexes.map((i) => `127.0.0.1:${clusterBrokerPort(i)}`);
const voters = indexes.map((i) => `${i + 1}@127.0.0.1:${controllerPort(i)}`).join(',');

/** Replicated defaults: RF 3 and min ISR 2, so acks=all survives one dead broker and fails with two. */
const REPLICATION = {
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'offsets.topic.replication.factor': 3,
  'transaction.state.log.replication.factor': 3,
  'transaction.state.log.min.isr': 2,
  'replica.lag.time.max.ms': 10_000,
};

async function prepare(dir: string, opts: StartOptions): Promise<void> {
  const libs = await ensureKafkaLibs();
  // Brokers must share one cluster id and metadata log: restart from empty unless all three have data.
  const fresh = opts.fresh || !indexes.every((i) => isFormatted(join(dir, clusterMember(i))));
  await Promise.all(
    indexes.map((i) =>
      prepareBroker(
        join(dir, clusterMember(i)),
        { nodeId: i + 1, port: clusterBrokerPort(i), controllerPort: controllerPort(i), voters, extra: REPLICATION },
        'cluster',
        libs,
        fresh,
      ),
    ),
  );
}

export const kafkaClusterService: ManagedService = {
  name: 'kafka-cluster',
  endpoint: CLUSTER_BROKERS.join(','),
  ports: [...indexes.map(clusterBrokerPort), ...indexes.map(controllerPort)],
  members: indexes.map(clusterMember),
  readyTimeoutMs: 180_000,
  install: async () => {
    await ensureKafkaLibs();
  },
  prepare,
  launchSpec: (dir: string, member: string, opts: StartOptions) => brokerLaunchSpec(join(dir, member), kafkaLibsDir(), opts.jit),
  // Ready when every broker answers and sees all three registered.
  probe: async () => (await Promise.all(CLUSTER_BROKERS.map((b) => kafkaMetadataReady([b], CLUSTER_SIZE)))).every(Boolean),
  probeMember: (member: string) => kafkaMetadataReady([CLUSTER_BROKERS[memberIndex(member)]!], CLUSTER_SIZE, memberIndex(member) + 1),
  logFiles: (dir: string) => indexes.flatMap((i) => brokerLogFiles(join(dir, clusterMember(i)))),
};
