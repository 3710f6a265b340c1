// Gateway configuration: typed, defaulted, validated once at start, then frozen.
import { cpus } from 'node:os';

/** Which store backs the gateway. Kafka options are read by gateway/store/kafka. */
export type StoreSettings =
  | { kind: 'memory'; maxMessagesPerPartition?: number }
  | { kind: 'sqlite'; path: string; synchronous?: 'NORMAL' | 'FULL' }
  | {
      kind: 'kafka';
      brokers: string[];
      clientId?: string;
      /** Replication factor of topics created without one (default 1; use 3 in production). */
      defaultReplicationFactor?: number;
      /** Bound on one publish, ms (default 5,000): past it the publish answers 503, never hangs. */
      produceTimeoutMs?: number;
      /** The Kafka library that produces (default platformatic); admin and consumers use kafkajs either way. */
      producer?: 'platformatic' | 'kafkajs';
      /** Consumer tuning: after a fetch that brought records, the hold before the next fetch, ms (default 5). */
      client?: { fetchPacingMs?: number };
    };

/** Where apps, secrets and permissions come from. */
export type TenantSettings =
  | { kind: 'demo'; demoKey: string }
  | { kind: 'file'; path: string }
  | { kind: 'zk' };

export interface GatewayLimits {
  /** Smallest publish body in bytes (default 1). */
  minPubBytes: number;
  /** Largest single message in bytes (default 512 KiB); larger → 413. */
  maxPubBytes: number;
  /** Largest batch publish body in bytes (default 8 MiB); larger → 413. */
  maxBatchBodyBytes: number;
  /** Most messages in one batch publish (default 4,000); more → 413. */
  maxBatchMessages: number;
  /** Largest partition key in bytes (default 256). */
  maxKeyBytes: number;
  /** Largest X-Tag in bytes (default 1,024). */
  maxTagBytes: number;
  /** Largest `batch` a subscriber may ask for (default 4,000). */
  maxSubBatch: number;
}

export interface SubSettings {
  /** How long a GET waits for the first message before answering 204 (default 30 s). */
  longPollMs: number;
  /** In a chunked batch, how long to wait for the next message before ending the response (default 1 s). */
  batchIdleMs: number;
  /** With ack=1, how long a delivered message may stay unacknowledged before it is delivered again (default 30 s). */
  ackDeadlineMs: number;
  /** A group session with no request for this long is closed and its offsets committed (default 60 s). */
  sessionIdleMs: number;
  /** How often acknowledged positions are committed to the store (default 1 s). */
  commitIntervalMs: number;
  /** Most unacknowledged deliveries one group session holds (default 10,000); further GETs wait. */
  maxInflight: number;
  /** WebSocket ping interval (default 20 s); a socket that misses two pongs is closed. */
  wsPingMs: number;
}

export interface GatewayConfig {
  /** Unique id of this gateway within its zone (default "1"). */
  id: string;
  zone: string;
  /** Address the listeners bind to (default 127.0.0.1). */
  host: string;
  /** Host other parts use to reach this gateway (default: host). */
  advertisedHost: string;
  /** Listener ports; 0 picks a free port (tests). */
  ports: { pub: number; sub: number; man: number };
  /** PEM file paths: when set, listeners speak HTTPS with HTTP/2 and HTTP/1.1 negotiated by ALPN. */
  tls?: { certFile: string; keyFile: string } | undefined;
  store: StoreSettings;
  tenants: TenantSettings;
  /** ZooKeeper connect string; when set the gateway registers itself under /_kateway/ids/<zone>/<id>. */
  zk?: string | undefined;
  /** `user:password` for ZooKeeper digest auth (KATEWAY_ZK_AUTH); the nodes the gateway creates are then private to it. */
  zkAuth?: string | undefined;
  /** Without ZooKeeper: a directory on this host where the gateway registers (the embedded pool's discovery). */
  registryDir?: string | undefined;
  /** Admin credentials for the man API (topic creation...); admin API disabled when unset. */
  adminKey?: string | undefined;
  /** Partitions of a topic created on first publish (demo mode) (default 1). */
  defaultPartitions: number;
  limits: GatewayLimits;
  sub: SubSettings;
  /** Bound on graceful shutdown (default 20 s). */
  shutdownTimeoutMs: number;
  /** After leaving the registry on shutdown, how long to keep serving normally while proxies notice (default 1 s). */
  deregisterGraceMs: number;
  /** CPU count announced to the proxy as this gateway's weight. */
  cpu: number;
}

export const defaultLimits: GatewayLimits = {
  minPubBytes: 1,
  maxPubBytes: 512 * 1024,
  maxBatchBodyBytes: 8 * 1024 * 1024,
  maxBatchMessages: 4000,
  maxKeyBytes: 256,
  maxTagBytes: 1024,
  maxSubBatch: 4000,
};

export const defaultSub: SubSettings = {
  longPollMs: 30_000,
  batchIdleMs: 1_000,
  ackDeadlineMs: 30_000,
  sessionIdleMs: 60_000,
  commitIntervalMs: 1_000,
  maxInflight: 10_000,
  wsPingMs: 20_000,
};

/** A complete config from a partial one; throws on values that cannot work. */
export function resolveGatewayConfig(partial: Partial<GatewayConfig> = {}): GatewayConfig {
  const host = partial.host ?? '127.0.0.1';
  const cfg: GatewayConfig = {
    id: partial.id ?? '1',
    zone: partial.zone ?? 'local',
    host,
    advertisedHost: partial.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    ports: partial.ports ?? { pub: 9191, sub: 9192, man: 9193 },
    tls: partial.tls,
    store: partial.store ?? { kind: 'sqlite', path: '.data/kateway.db' },
    tenants: partial.tenants ?? { kind: 'demo', demoKey: 'demo' },
    zk: partial.zk,
    zkAuth: partial.zkAuth,
    registryDir: partial.registryDir,
    adminKey: partial.adminKey,
    defaultPartitions: partial.defaultPartitions ?? 1,
    limits: { ...defaultLimits, ...partial.limits },
    sub: { ...defaultSub, ...partial.sub },
    shutdownTimeoutMs: partial.shutdownTimeoutMs ?? 20_000,
    deregisterGraceMs: partial.deregisterGraceMs ?? 1_000,
    cpu: partial.cpu ?? cpus().length,
  };
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cfg.id)) throw new Error(`invalid gateway id ${JSON.stringify(cfg.id)}: use [A-Za-z0-9_-]{1,64}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cfg.zone)) throw new Error(`invalid zone ${JSON.stringify(cfg.zone)}`);
  for (const [name, port] of Object.entries(cfg.ports)) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid ${name} port ${port}`);
  }
  if (cfg.limits.minPubBytes < 0 || cfg.limits.maxPubBytes < cfg.limits.minPubBytes) throw new Error('invalid pub size limits');
  if (cfg.sub.longPollMs < 0 || cfg.sub.ackDeadlineMs <= 0) throw new Error('invalid sub timings');
  if (cfg.store.kind === 'kafka' && cfg.store.brokers.length === 0) throw new Error('kafka store needs at least one broker');
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
