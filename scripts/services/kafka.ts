// The shared single-broker Kafka (KRaft, combined broker+controller) on 127.0.0.1:9092, controller on 9093.
import { brokerLaunchSpec, brokerLogFiles, kafkaMetadataReady, prepareBroker } from './kafka-broker.js';
import { ensureKafkaLibs, kafkaLibsDir } from './kafka-dist.js';
import type { ManagedService, StartOptions } from './managed-service.js';
import { port } from './ports.js';

/** The shared instance's client port (KATEWAY_TEST_KAFKA=127.0.0.1:9092). */
export const KAFKA_PORT = port(9092);
export const KAFKA_CONTROLLER_PORT = port(9093);

export const kafkaService: ManagedService = {
  name: 'kafka',
  endpoint: `127.0.0.1:${KAFKA_PORT}`,
  ports: [KAFKA_PORT, KAFKA_CONTROLLER_PORT],
  members: ['main'],
  readyTimeoutMs: 120_000,
  install: async () => {
    await ensureKafkaLibs();
  },
  prepare: async (dir: string, opts: StartOptions) => {
    const broker = { nodeId: 1, port: KAFKA_PORT, controllerPort: KAFKA_CONTROLLER_PORT, voters: `1@127.0.0.1:${KAFKA_CONTROLLER_PORT}` };
    await prepareBroker(dir, broker, 'single', await ensureKafkaLibs(), opts.fresh);
  },
  launchSpec: (dir: string, _member: string, opts: StartOptions) => brokerLaunchSpec(dir, kafkaLibsDir(), opts.jit),
  probe: () => kafkaMetadataReady([`127.0.0.1:${KAFKA_PORT}`], 1),
  logFiles: (dir: string) => brokerLogFiles(dir),
};
