// Composition root of one proxy process: config → discovery → hosts → balancers → health → ratelimit → forward → server.
import type { AddressInfo } from 'node:net';
import type { GatewaySource } from '../shared/discovery/gateway-endpoint.js';
import { createLogger, type Logger } from '../shared/log.js';
import { emptyFrontStats } from './admin/front-stats.js';
import { adminHandler, type StatusCollector } from './admin/routes.js';
import { buildStatus, type ProxyStatus, type StatusSource } from './admin/status.js';
import { createPolicy } from './balancer/registry.js';
import { resolveProxyConfig, type ProxyConfig, type ProxyOptions } from './config.js';
import { Forwarder, loadPoolFactory } from './forward/forwarder.js';
import type { UpstreamPoolFactory } from './forward/upstream.js';
import { WsTunnels } from './forward/ws-tunnel.js';
import { aliveProber } from './health/alive-prober.js';
import { OutlierDetector, type Prober } from './health/outlier-detector.js';
import { Pipeline, type PipelineState } from './pipeline.js';
import { Admission, localLimiterFactory, type LimiterFactory } from './ratelimit/admission.js';
import { QuotaBook, withQuotas, type QuotaSource } from './ratelimit/redis-quotas.js';
import { FrontServer } from './server.js';
import { HostRegistry } from './upstream/host-registry.js';
import { systemClock, type Clock } from './util/clock.js';
import { systemRandom, type Random } from './util/random.js';

export type { ProxyOptions } from './config.js';

/** Collaborators; all but `source` have production defaults. The caller keeps ownership of `source`. */
export interface ProxyDeps {
  source: GatewaySource;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  /** Overrides the configured upstream client (tests). */
  poolFactory?: UpstreamPoolFactory;
  prober?: Prober;
  /** Builds rate limiters (the seam for the Redis-shared limiter). */
  limiterFactory?: (cfg: ProxyConfig, clock: Clock) => LimiterFactory;
  /** Per-app quotas (AppRecord.quotas of a TenantSource, e.g. ZooKeeper meta): they replace the default per-app rule. */
  tenants?: QuotaSource;
  /** Status of every serving process (cluster workers) for /proxy/v1/status and /proxy/metrics. */
  collectStatus?: StatusCollector;
}

export interface ProxyHandle {
  /** The first listener's address. */
  readonly address: AddressInfo;
  readonly addresses: AddressInfo[];
  /** Graceful: stop accepting, let in-flight requests finish (bounded by drainTimeoutMs), close pools. Idempotent. */
  close(): Promise<void>;
  /** Applies new options without dropping a connection: host state, pools and rate buckets survive where they can. */
  reload(opts: ProxyOptions): Promise<void>;
  /** This process's status document. */
  status(): ProxyStatus;
}

export async function startProxy(opts: ProxyOptions, deps: ProxyDeps): Promise<ProxyHandle> {
  let cfg = resolveProxyConfig(opts);
  const log = deps.logger ?? createLogger({ svc: 'proxy', pid: process.pid });
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  // Limits shared through Redis when configured: one connection per process, kept across reloads.
  // ioredis is loaded only then: importing it costs every proxy process ~20 MB RSS.
  const shared =
    !deps.limiterFactory && cfg.rateLimit.redis
      ? new (await import('./ratelimit/redis-limiter.js')).RedisRateLimits(cfg.rateLimit.redis, { clock, logger: log })
      : undefined;
  // Per-app quotas from tenant meta (ZooKeeper) replace the default per-app rule, in shared and in local buckets.
  const localBook = !shared && deps.tenants ? new QuotaBook() : undefined;
  const tenants = deps.tenants;
  const stopQuotas = !tenants ? () => undefined : shared ? shared.followTenants(tenants) : localBook!.follow(tenants);
  const local = (c: ProxyConfig, k: Clock): LimiterFactory => localLimiterFactory(k, c.rateLimit.maxKeys);
  const limiters =
    deps.limiterFactory ?? shared?.limiterFactory ?? (localBook ? (c: ProxyConfig, k: Clock) => withQuotas(localBook, local(c, k)) : local);
  const startedAt = clock.now();

  const registry = new HostRegistry({ maxInflight: cfg.upstream.maxInflightPerHost, logger: log });
  const detector = new OutlierDetector(cfg.health, {
    clock,
    probe: deps.prober ?? aliveProber(() => cfg.health.probeTimeoutMs),
    members: (s) => registry.set(s).hosts,
    logger: log,
  });
  const poolFactory = (c: ProxyConfig): Promise<UpstreamPoolFactory> => (deps.poolFactory ? Promise.resolve(deps.poolFactory) : loadPoolFactory(c.upstream.client));
  const forwarder = new Forwarder(cfg.upstream, await poolFactory(cfg));
  registry.onRemoved((h) => {
    forwarder.retire(h);
    detector.forget(h);
  });

  const buildState = (c: ProxyConfig, prev?: PipelineState): PipelineState => {
    const b = c.balancing;
    const policy = (name: typeof b.pub) => createPolicy({ policy: name, balanceFactor: b.balanceFactor, pointsPerWeight: b.pointsPerWeight }, { random });
    const sameLimits = prev && JSON.stringify(prev.cfg.rateLimit) === JSON.stringify(c.rateLimit);
    const sameBalancing = prev && JSON.stringify(prev.cfg.balancing) === JSON.stringify(b);
    return {
      cfg: c,
      // Unchanged policies are kept: round-robin position and ring caches carry over a reload.
      policies: sameBalancing ? prev.policies : { pub: policy(b.pub), sub: policy(b.sub), man: policy(b.man) },
      admission: sameLimits ? prev.admission : new Admission(c.rateLimit, limiters(c, clock)),
    };
  };

  const front = emptyFrontStats();
  const tunnels = new WsTunnels();
  let pipeline: Pipeline | undefined;
  const statusSource: StatusSource = {
    registry,
    policies: () => pipeline!.state.policies,
    front,
    draining: () => pipeline!.draining,
    tunnels: () => tunnels.size,
    uptimeSec: () => (clock.now() - startedAt) / 1000,
  };
  const admin = adminHandler(statusSource, deps.collectStatus);
  pipeline = new Pipeline(buildState(cfg), {
    registry,
    forwarder,
    tunnels,
    front,
    admin,
    report: (h, outcome) => detector.report(h, outcome),
    logger: log,
  });

  registry.apply(deps.source.snapshot());
  const unsubscribe = deps.source.onChange((gws) => registry.apply(gws));

  const server = new FrontServer(pipeline, cfg.client, log, () => tunnels.destroyAll());
  try {
    await server.apply(cfg.listeners, cfg.client, cfg.drainTimeoutMs);
  } catch (err) {
    unsubscribe();
    detector.close();
    await server.close(0);
    await forwarder.destroy();
    stopQuotas();
    shared?.destroy();
    throw err;
  }

  const p = pipeline;
  /** Shutdown order, as data: each step runs after the previous one finished. */
  const SHUTDOWN: readonly { step: string; run: () => Promise<void> | void }[] = [
    { step: 'fail /alive, mark responses Connection: close', run: () => void (p.draining = true) },
    { step: 'stop accepting, drain client connections', run: () => server.close(cfg.drainTimeoutMs) },
    { step: 'stop following discovery', run: unsubscribe },
    { step: 'stop health timers', run: () => detector.close() },
    { step: 'close upstream pools', run: () => forwarder.close() },
    { step: 'stop following quotas, close the rate-limit Redis connection', run: async () => (stopQuotas(), shared?.close()) },
  ];
  let closing: Promise<void> | undefined;

  return {
    get address() {
      return server.addresses()[0]!;
    },
    get addresses() {
      return server.addresses();
    },
    close() {
      closing ??= (async () => {
        for (const s of SHUTDOWN) {
          log.debug('shutdown step', { step: s.step });
          await s.run();
        }
        log.info('proxy closed');
      })();
      return closing;
    },
    status: () => buildStatus(statusSource),
    async reload(next: ProxyOptions) {
      const c = resolveProxyConfig(next);
      const factory = await poolFactory(c);
      registry.setMaxInflight(c.upstream.maxInflightPerHost);
      detector.reconfigure(c.health);
      forwarder.reconfigure(c.upstream, factory);
      p.setState(buildState(c, p.state));
      await server.apply(c.listeners, c.client, c.drainTimeoutMs);
      cfg = c;
      log.info('proxy config reloaded');
    },
  };
}
