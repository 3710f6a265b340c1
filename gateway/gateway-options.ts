// Gateway configuration from command-line flags and KATEWAY_* environment variables (flags win).
import { parseArgs } from 'node:util';
import { resolveGatewayConfig, type GatewayConfig, type StoreSettings, type TenantSettings } from './config.js';

export const gatewayFlags = {
  id: { type: 'string' },
  zone: { type: 'string' },
  host: { type: 'string' },
  'advertised-host': { type: 'string' },
  'pub-port': { type: 'string' },
  'sub-port': { type: 'string' },
  'man-port': { type: 'string' },
  store: { type: 'string' },
  'sqlite-path': { type: 'string' },
  'sqlite-sync': { type: 'string' },
  kafka: { type: 'string' },
  'kafka-replication': { type: 'string' },
  'kafka-produce-timeout-ms': { type: 'string' },
  'kafka-producer': { type: 'string' },
  'kafka-fetch-pacing-ms': { type: 'string' },
  zk: { type: 'string' },
  'registry-dir': { type: 'string' },
  tenants: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  partitions: { type: 'string' },
  'long-poll-ms': { type: 'string' },
  'ack-deadline-ms': { type: 'string' },
  'session-idle-ms': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
} as const;

/** Reads flags and environment into a validated, frozen GatewayConfig. Throws a readable error on bad input. */
export function gatewayConfigFrom(argv: string[], env: NodeJS.ProcessEnv): GatewayConfig {
  const { values: f } = parseArgs({ args: argv, options: gatewayFlags, strict: true, allowPositionals: false });
  const pick = (flag: keyof typeof f, envName: string): string | undefined => (f[flag] as string | undefined) ?? env[envName];
  const int = (flag: keyof typeof f, envName: string): number | undefined => {
    const v = pick(flag, envName);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`--${flag} / ${envName} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const storeKind = pick('store', 'KATEWAY_STORE') ?? 'sqlite';
  let store: StoreSettings;
  if (storeKind === 'memory') store = { kind: 'memory' };
  else if (storeKind === 'sqlite') {
    const sync = (pick('sqlite-sync', 'KATEWAY_SQLITE_SYNC') ?? 'NORMAL').toUpperCase();
    if (sync !== 'NORMAL' && sync !== 'FULL') throw new Error('--sqlite-sync must be NORMAL or FULL');
    store = { kind: 'sqlite', path: pick('sqlite-path', 'KATEWAY_SQLITE_PATH') ?? '.data/kateway.db', synchronous: sync };
  } else if (storeKind === 'kafka') {
    const brokers = (pick('kafka', 'KATEWAY_KAFKA_BROKERS') ?? '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean);
    const producer = pick('kafka-producer', 'KATEWAY_KAFKA_PRODUCER') ?? 'platformatic';
    if (producer !== 'platformatic' && producer !== 'kafkajs') throw new Error(`--kafka-producer must be platformatic or kafkajs, got ${JSON.stringify(producer)}`);
    store = {
      kind: 'kafka',
      brokers,
      defaultReplicationFactor: int('kafka-replication', 'KATEWAY_KAFKA_REPLICATION') ?? 1,
      produceTimeoutMs: int('kafka-produce-timeout-ms', 'KATEWAY_KAFKA_PRODUCE_TIMEOUT_MS') ?? 5_000,
      producer,
    };
    const fetchPacingMs = int('kafka-fetch-pacing-ms', 'KATEWAY_KAFKA_FETCH_PACING_MS');
    if (fetchPacingMs !== undefined) {
      if (fetchPacingMs < 0) throw new Error('--kafka-fetch-pacing-ms must be >= 0');
      store.client = { fetchPacingMs };
    }
  } else throw new Error(`--store must be memory, sqlite or kafka, got ${JSON.stringify(storeKind)}`);

  const zk = pick('zk', 'KATEWAY_ZK');
  const tenantsFlag = pick('tenants', 'KATEWAY_TENANTS') ?? (zk ? 'zk' : 'demo');
  let tenants: TenantSettings;
  if (tenantsFlag === 'demo') tenants = { kind: 'demo', demoKey: env['KATEWAY_DEMO_KEY'] ?? 'demo' };
  else if (tenantsFlag === 'zk') tenants = { kind: 'zk' };
  else if (tenantsFlag.startsWith('file:')) tenants = { kind: 'file', path: tenantsFlag.slice(5) };
  else throw new Error('--tenants must be demo, zk or file:<path>');

  const cert = pick('tls-cert', 'KATEWAY_TLS_CERT');
  const key = pick('tls-key', 'KATEWAY_TLS_KEY');
  if (Boolean(cert) !== Boolean(key)) throw new Error('--tls-cert and --tls-key go together');
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

  return resolveGatewayConfig({
    ...defined({
      id: pick('id', 'KATEWAY_ID'),
      zone: pick('zone', 'KATEWAY_ZONE'),
      host: pick('host', 'KATEWAY_HOST'),
      advertisedHost: pick('advertised-host', 'KATEWAY_ADVERTISED_HOST'),
      zk,
      registryDir: pick('registry-dir', 'KATEWAY_REGISTRY_DIR'),
      adminKey: env['KATEWAY_ADMIN_KEY'],
      // Secrets come from the environment only: a flag would show in `ps`.
      zkAuth: env['KATEWAY_ZK_AUTH'],
      defaultPartitions: int('partitions', 'KATEWAY_PARTITIONS'),
      shutdownTimeoutMs: int('shutdown-timeout-ms', 'KATEWAY_SHUTDOWN_TIMEOUT_MS'),
    }),
    ports: { pub: int('pub-port', 'KATEWAY_PUB_PORT') ?? 9191, sub: int('sub-port', 'KATEWAY_SUB_PORT') ?? 9192, man: int('man-port', 'KATEWAY_MAN_PORT') ?? 9193 },
    store,
    tenants,
    tls: cert && key ? { certFile: cert, keyFile: key } : undefined,
    sub: defined({
      longPollMs: int('long-poll-ms', 'KATEWAY_LONG_POLL_MS'),
      ackDeadlineMs: int('ack-deadline-ms', 'KATEWAY_ACK_DEADLINE_MS'),
      sessionIdleMs: int('session-idle-ms', 'KATEWAY_SESSION_IDLE_MS'),
    }) as GatewayConfig['sub'],
  });
}
