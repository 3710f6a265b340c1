// Proxy configuration: every option typed, documented with its default and unit, validated once, then frozen.
import { availableParallelism } from 'node:os';
import { POLICY_NAMES, type PolicyName } from './balancer/registry.js';
import { resolveRedisLimitOptions, type RedisLimitOptions } from './ratelimit/redis-options.js';
import type { Service } from './upstream/host.js';

/** One front listener. */
export interface ListenerConfig {
  /** TCP port (default 10891). 0 picks a free port (tests). */
  port: number;
  /** Bind address (default 0.0.0.0; tests use 127.0.0.1). */
  host: string;
  /**
   * Which traffic the listener takes (default 'all'): 'all' routes each request by method and path; 'pub', 'sub'
   * or 'man' sends everything to that gateway listener, like ehaproxy's 10891/10892/10893 fronts.
   */
  service: 'all' | Service;
}

/** How one service's requests are spread. */
export interface BalancingConfig {
  /** Publishes (default 'p2c', chosen by measurement, see proxy/README.md): 'p2c' or 'round-robin'. */
  pub: PolicyName;
  /** Subscriptions, acks and sub WebSockets (default 'consistent-hash' on Appid + group). */
  sub: PolicyName;
  /** Everything else (default 'round-robin'). */
  man: PolicyName;
  /** Bounded-load factor for hashed services (default 0 = off; HAProxy suggests 1.25–2): no gateway gets more
   * than factor × the average in-flight sub requests; the rest spill to the next gateway on the ring. */
  balanceFactor: number;
  /** Ring points per unit of gateway weight (default 100). */
  pointsPerWeight: number;
}

/** Proxy → gateway connections and requests. */
export interface UpstreamConfig {
  /** HTTP client (default 'native': the proxy's own HTTP/1.1 client, measured cheaper; 'undici' as a fallback). */
  client: 'native' | 'undici';
  /** TCP connect timeout, ms (default 1,000, as ehaproxy). */
  connectTimeoutMs: number;
  /**
   * Idle keep-alive of pooled gateway connections, ms (default 30,000; the gateway's Keep-Alive hint, less 1 s, wins
   * if shorter; kateway's gateway says 65 s). Clients that come in bursts find their gateway connections still open.
   */
  keepAliveTimeoutMs: number;
  /** Most pooled connections per gateway listener (default 1,024). Keep it >= maxInflightPerHost: a long poll holds a
   * connection for up to 30 s, and requests beyond the connections wait in the pool. */
  connectionsPerHost: number;
  /** Most concurrent requests per gateway listener (default 1,024): a full listener is skipped like an ejected one. */
  maxInflightPerHost: number;
  /** Wait for publish response headers, and between response body chunks, ms (default 30,000). */
  pubTimeoutMs: number;
  /** Same for subscriptions: the 30 s long poll plus 10 s margin (default 40,000, ehaproxy's sub timeout). */
  subTimeoutMs: number;
  /** Same for everything else, ms (default 60,000). */
  manTimeoutMs: number;
  /** Extra attempts on other gateways for a request that was never sent (connect refused/timed out); default 2. */
  retriesUnsent: number;
  /** Request bodies with a Content-Length up to this many bytes are read whole before forwarding (cheaper, and
   * retryable); larger or chunked bodies are streamed (default 65,536). */
  bufferBodyBytes: number;
}

/** Client → proxy connections. */
export interface ClientConfig {
  /** Idle keep-alive of client connections, ms (default 65,000). */
  keepAliveTimeoutMs: number;
  /** Time allowed to receive a request's headers, ms (default 20,000). */
  headersTimeoutMs: number;
  /** Time allowed to receive a whole request, ms (default 300,000; 0 = none). */
  requestTimeoutMs: number;
}

/** Passive outlier detection with half-open probes. */
export interface HealthConfig {
  /** Consecutive 5xx responses that eject a gateway listener (default 5; 0 = never on 5xx). */
  consecutive5xx: number;
  /** Consecutive connect failures, resets or timeouts that eject it (default 3; 0 = never). */
  consecutiveLocalFailures: number;
  /** First ejection length, ms (default 10,000); doubles with each ejection in a row. */
  baseEjectionMs: number;
  /** Cap on one ejection, ms (default 300,000). */
  maxEjectionMs: number;
  /** Most of a service's listeners ejected at once, percent (default 50); at least one may always be. */
  maxEjectionPercent: number;
  /** Timeout of the GET /alive probe sent when an ejection ends, ms (default 1,000). */
  probeTimeoutMs: number;
}

/** A rate: both dimensions optional (unset = unlimited). */
export interface RateRule {
  /** Requests per second. */
  requestsPerSec?: number;
  /** Request body bytes per second (Content-Length; chunked bodies count 0). */
  bytesPerSec?: number;
  /** Bucket size in seconds of rate: how much burst is allowed after idling (default 1). */
  burstSec?: number;
}

export interface RateLimitConfig {
  /** Per subscriber/publisher Appid (the `Appid` header), across topics. */
  perApp: RateRule;
  /** Per Appid and topic (owner/topic/version from the path). */
  perAppTopic: RateRule;
  /** Per-Appid replacements of the two rules above. */
  apps: Readonly<Record<string, { perApp?: RateRule; perAppTopic?: RateRule }>>;
  /** Most buckets kept per limiter (default 100,000); idle full buckets are evicted first. */
  maxKeys: number;
  /**
   * Share the limits with every proxy process through Redis (default: absent, each process limits alone):
   * `{ url: '127.0.0.1:6379' }` plus optional keyPrefix, commandTimeoutMs, connectTimeoutMs, openMs,
   * reconnectMaxDelayMs, fallbackShare (see proxy/ratelimit/redis-options.ts). Read at start only: a reload
   * keeps the connection it has.
   */
  redis?: RedisLimitOptions | undefined;
}

export interface ProxyConfig {
  /** Front listeners (default one: 0.0.0.0:10891, all routes). */
  listeners: readonly ListenerConfig[];
  balancing: BalancingConfig;
  upstream: UpstreamConfig;
  client: ClientConfig;
  health: HealthConfig;
  rateLimit: RateLimitConfig;
  /** Bound on graceful drain at shutdown/reload, ms (default 35,000: a 30 s long poll can finish). */
  drainTimeoutMs: number;
  /** node:cluster workers (default one per core; 0 = serve in the calling process). */
  workers: number;
  /**
   * V8 semi-space of each worker, MB (default 4; 0 = V8's own, 16). A worker holding thousands of idle long-polls
   * otherwise keeps a 32 MB young generation committed after the connection burst; measured, 4 MB cost no proxy
   * CPU per request (edge-bench, one run) and saved ~20 MB RSS per worker with 5,000 held polls.
   */
  workerSemiSpaceMB: number;
  /**
   * Who accepts client connections with workers (read at start only). 'workers' (default): each worker accepts from
   * the shared listen socket (node:cluster SCHED_NONE). 'primary': the primary accepts and hands every connection to
   * a worker in turn over IPC (SCHED_RR, node's default), which costs ~150 µs of primary CPU and ~100 µs of worker CPU
   * per connection (handle passing and its ack), measured; it spreads connections evenly where the kernel may not.
   */
  accept: 'workers' | 'primary';
}

/** What callers pass: any subset, nested objects merged over the defaults. */
export interface ProxyOptions {
  listeners?: readonly Partial<ListenerConfig>[];
  balancing?: Partial<BalancingConfig>;
  upstream?: Partial<UpstreamConfig>;
  client?: Partial<ClientConfig>;
  health?: Partial<HealthConfig>;
  rateLimit?: Partial<RateLimitConfig>;
  drainTimeoutMs?: number;
  workers?: number;
  workerSemiSpaceMB?: number;
  accept?: 'workers' | 'primary';
}

export const DEFAULT_PORT = 10891;

export const defaults = {
  listener: { port: DEFAULT_PORT, host: '0.0.0.0', service: 'all' } satisfies ListenerConfig,
  balancing: { pub: 'p2c', sub: 'consistent-hash', man: 'round-robin', balanceFactor: 0, pointsPerWeight: 100 } satisfies BalancingConfig,
  upstream: {
    client: 'native',
    connectTimeoutMs: 1_000,
    keepAliveTimeoutMs: 30_000,
    connectionsPerHost: 1_024,
    maxInflightPerHost: 1_024,
    pubTimeoutMs: 30_000,
    subTimeoutMs: 40_000,
    manTimeoutMs: 60_000,
    retriesUnsent: 2,
    bufferBodyBytes: 65_536,
  } satisfies UpstreamConfig,
  client: { keepAliveTimeoutMs: 65_000, headersTimeoutMs: 20_000, requestTimeoutMs: 300_000 } satisfies ClientConfig,
  health: {
    consecutive5xx: 5,
    consecutiveLocalFailures: 3,
    baseEjectionMs: 10_000,
    maxEjectionMs: 300_000,
    maxEjectionPercent: 50,
    probeTimeoutMs: 1_000,
  } satisfies HealthConfig,
  rateLimit: { perApp: {}, perAppTopic: {}, apps: {}, maxKeys: 100_000 } satisfies RateLimitConfig,
  drainTimeoutMs: 35_000,
  workerSemiSpaceMB: 4,
  accept: 'workers',
} as const;

/** A complete, frozen config; throws a RangeError naming the first bad field. */
export function resolveProxyConfig(opts: ProxyOptions = {}): ProxyConfig {
  const cfg: ProxyConfig = {
    listeners: (opts.listeners ?? [{}]).map((l) => ({ ...defaults.listener, ...l })),
    balancing: { ...defaults.balancing, ...opts.balancing },
    upstream: { ...defaults.upstream, ...opts.upstream },
    client: { ...defaults.client, ...opts.client },
    health: { ...defaults.health, ...opts.health },
    rateLimit: { ...defaults.rateLimit, ...opts.rateLimit },
    drainTimeoutMs: opts.drainTimeoutMs ?? defaults.drainTimeoutMs,
    workers: opts.workers ?? availableParallelism(),
    workerSemiSpaceMB: opts.workerSemiSpaceMB ?? defaults.workerSemiSpaceMB,
    accept: opts.accept ?? defaults.accept,
  };
  validate(cfg);
  return deepFreeze(cfg);
}

function validate(c: ProxyConfig): void {
  if (c.listeners.length === 0) fail('listeners', 'at least one listener is required');
  const seen = new Set<string>();
  c.listeners.forEach((l, i) => {
    int(`listeners[${i}].port`, l.port, 0, 65535);
    if (typeof l.host !== 'string' || l.host === '') fail(`listeners[${i}].host`, 'must be an address');
    if (!['all', 'pub', 'sub', 'man'].includes(l.service)) fail(`listeners[${i}].service`, "must be 'all', 'pub', 'sub' or 'man'");
    const key = `${l.host}:${l.port}`;
    if (l.port !== 0 && seen.has(key)) fail(`listeners[${i}]`, `duplicate ${key}`);
    seen.add(key);
  });
  const b = c.balancing;
  for (const s of ['pub', 'sub', 'man'] as const) {
    if (!POLICY_NAMES.includes(b[s])) fail(`balancing.${s}`, `must be one of ${POLICY_NAMES.join(', ')}`);
  }
  if (b.balanceFactor !== 0 && !(b.balanceFactor >= 1 && b.balanceFactor <= 100)) fail('balancing.balanceFactor', 'must be 0 or in [1, 100]');
  int('balancing.pointsPerWeight', b.pointsPerWeight, 1, 10_000);
  const u = c.upstream;
  if (u.client !== 'native' && u.client !== 'undici') fail('upstream.client', "must be 'native' or 'undici'");
  int('upstream.connectTimeoutMs', u.connectTimeoutMs, 1, 600_000);
  int('upstream.keepAliveTimeoutMs', u.keepAliveTimeoutMs, 1, 3_600_000);
  int('upstream.connectionsPerHost', u.connectionsPerHost, 1, 100_000);
  int('upstream.maxInflightPerHost', u.maxInflightPerHost, 1, 1_000_000);
  int('upstream.pubTimeoutMs', u.pubTimeoutMs, 1, 3_600_000);
  int('upstream.subTimeoutMs', u.subTimeoutMs, 1, 3_600_000);
  int('upstream.manTimeoutMs', u.manTimeoutMs, 1, 3_600_000);
  int('upstream.retriesUnsent', u.retriesUnsent, 0, 10);
  int('upstream.bufferBodyBytes', u.bufferBodyBytes, 0, 64 * 1024 * 1024);
  int('client.keepAliveTimeoutMs', c.client.keepAliveTimeoutMs, 0, 3_600_000);
  int('client.headersTimeoutMs', c.client.headersTimeoutMs, 1, 3_600_000);
  int('client.requestTimeoutMs', c.client.requestTimeoutMs, 0, 3_600_000);
  const h = c.health;
  int('health.consecutive5xx', h.consecutive5xx, 0, 1_000_000);
  int('health.consecutiveLocalFailures', h.consecutiveLocalFailures, 0, 1_000_000);
  int('health.baseEjectionMs', h.baseEjectionMs, 1, 86_400_000);
  int('health.maxEjectionMs', h.maxEjectionMs, h.baseEjectionMs, 86_400_000);
  int('health.maxEjectionPercent', h.maxEjectionPercent, 0, 100);
  int('health.probeTimeoutMs', h.probeTimeoutMs, 1, 600_000);
  const r = c.rateLimit;
  rule('rateLimit.perApp', r.perApp);
  rule('rateLimit.perAppTopic', r.perAppTopic);
  for (const [app, o] of Object.entries(r.apps)) {
    if (o.perApp) rule(`rateLimit.apps.${app}.perApp`, o.perApp);
    if (o.perAppTopic) rule(`rateLimit.apps.${app}.perAppTopic`, o.perAppTopic);
  }
  int('rateLimit.maxKeys', r.maxKeys, 1, 100_000_000);
  if (r.redis !== undefined) {
    try {
      resolveRedisLimitOptions(r.redis);
    } catch (err) {
      fail('rateLimit.redis', (err as Error).message);
    }
  }
  int('drainTimeoutMs', c.drainTimeoutMs, 0, 3_600_000);
  int('workers', c.workers, 0, 1024);
  int('workerSemiSpaceMB', c.workerSemiSpaceMB, 0, 1024);
  if (!['workers', 'primary'].includes(c.accept)) fail('accept', "must be 'workers' or 'primary'");
}

function rule(name: string, r: RateRule): void {
  for (const k of ['requestsPerSec', 'bytesPerSec', 'burstSec'] as const) {
    const v = r[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(`${name}.${k}`, 'must be a positive number');
  }
}

function int(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(name, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
}

function fail(name: string, why: string): never {
  throw new RangeError(`invalid proxy config ${name}: ${why}`);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
