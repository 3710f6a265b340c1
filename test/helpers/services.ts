// Connect strings of the shared test services (set by run-tests); fails loudly when one is missing, never skips.
import { portOpen } from '../../scripts/services/net.js';

interface Needed {
  what: string;
  env: string;
  example: string;
}

const ZK: Needed = { what: 'ZooKeeper', env: 'KATEWAY_TEST_ZK', example: '127.0.0.1:2181' };
const KAFKA: Needed = { what: 'Kafka', env: 'KATEWAY_TEST_KAFKA', example: '127.0.0.1:9092' };
const REDIS: Needed = { what: 'Redis', env: 'KATEWAY_TEST_REDIS', example: '127.0.0.1:6379' };

const checked = new Map<string, Promise<void>>();

async function reachable(n: Needed, connect: string): Promise<void> {
  const hosts = connect.split(',').map((h) => h.trim());
  for (const h of hosts) {
    const [host, port] = [h.slice(0, h.lastIndexOf(':')), Number(h.slice(h.lastIndexOf(':') + 1))];
    if (await portOpen(port, host, 2000)) return;
  }
  throw new Error(`${n.what} is not reachable at ${n.env}=${connect}: is it running? (npm run infra:up, or run the tests through npm test)`);
}

async function needService(n: Needed): Promise<string> {
  const connect = process.env[n.env];
  if (!connect) {
    throw new Error(
      `this test needs ${n.what}, but ${n.env} is not set. Run tests through \`npm test\` ` +
        `(or \`node dist/scripts/run-tests.js <filter>\`), which starts it and sets ${n.env}; ` +
        `or start it with \`npm run infra:up\` and export ${n.env}=${n.example}.`,
    );
  }
  // One check per process: every test of a file asks, the answer does not change.
  let check = checked.get(connect);
  if (!check) {
    check = reachable(n, connect);
    checked.set(connect, check);
    check.catch(() => checked.delete(connect));
  }
  await check;
  return connect;
}

/** ZooKeeper connect string (`host:port`) of the shared server; throws if unset or unreachable. */
export const requireZookeeper = (): Promise<string> => needService(ZK);

/** Kafka bootstrap list (`host:port[,host:port]`) of the shared single broker; throws if unset or unreachable. */
export const requireKafka = (): Promise<string> => needService(KAFKA);

/** Redis `host:port` of the shared server; throws if unset or unreachable. */
export const requireRedis = (): Promise<string> => needService(REDIS);

/** Splits a connect string into host:port entries (kafkajs wants `brokers: string[]`). */
export function hostList(connect: string): string[] {
  return connect.split(',').map((h) => h.trim()).filter(Boolean);
}
