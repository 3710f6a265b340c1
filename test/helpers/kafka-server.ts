// Private single-broker Kafka (KRaft) for tests that stop, kill or restart the broker without touching the shared one.
import { brokerLaunchSpec, brokerLogFiles, kafkaMetadataReady, prepareBroker } from '../../scripts/services/kafka-broker.js';
import { ensureKafkaLibs } from '../../scripts/services/kafka-dist.js';
import { freePorts } from './free-port.js';
import { startPrivateServer, type PrivateServer } from './private-server.js';

export interface PrivateKafkaOptions {
  /** Extra or overriding broker properties, e.g. `{ 'log.retention.ms': 1000 }`. */
  properties?: Record<string, string | number | boolean>;
}

/**
 * Starts a one-node Kafka (broker+controller) on free ports: ~5–8 s on 2 cores, more while other JVMs start.
 * Same settings as the shared broker (auto topic creation off, 1 partition by default). `restart()` keeps the
 * logs, so messages and committed offsets survive a kill.
 */
export function startPrivateKafka(opts: PrivateKafkaOptions = {}): Promise<PrivateServer> {
  return startPrivateServer({
    name: 'kafka',
    readyTimeoutMs: 120_000,
    configure: async (dir) => {
      const libs = await ensureKafkaLibs();
      const [port, controllerPort] = (await freePorts(2)) as [number, number];
      const broker = { nodeId: 1, port, controllerPort, voters: `1@127.0.0.1:${controllerPort}`, extra: opts.properties };
      await prepareBroker(dir, broker, 'single', libs, true);
      return {
        port,
        launch: brokerLaunchSpec(dir, libs, 'quick'),
        ready: () => kafkaMetadataReady([`127.0.0.1:${port}`], 1),
        logFiles: brokerLogFiles(dir),
      };
    },
  });
}
