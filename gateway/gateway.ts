// Composition root of one gateway: store, tenants, sessions, routes, listeners; and the graceful shutdown order.
import { createLogger, type Logger } from '../shared/log.js';
import { Authorizer } from './auth/authorizer.js';
import { demoTenantSource, fileTenantSource } from './auth/static-tenant-source.js';
import type { TenantSource } from './auth/tenant-source.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './gateway-context.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { buildOpenApi } from './http/openapi.js';
import type { Listener, Route } from './http/route.js';
import { offsetsRoutes } from './http/routes/offsets-routes.js';
import { pubRoutes } from './http/routes/pub-routes.js';
import { statusRoutes } from './http/routes/status-routes.js';
import { subRoutes } from './http/routes/sub-routes.js';
import { topicRoutes } from './http/routes/topic-routes.js';
import { GatewayServer } from './http/server.js';
import { createStore } from './store/create-store.js';
import type { Store } from './store/store.js';
import { SessionRegistry } from './sub/session-registry.js';
import { KATEWAY_VERSION } from './version.js';
import { wsRoutes } from './ws/ws-routes.js';

/** Parts a caller may supply instead of building them from config (tests, the embedded launcher). */
export interface GatewayDeps {
  store?: Store;
  tenants?: TenantSource;
  log?: Logger;
  /** Called once the listeners are up (ZooKeeper registration); its result is called first on shutdown. */
  register?: (gw: RunningGateway) => Promise<() => Promise<void>>;
}

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly ports: Record<Listener, number>;
  readonly store: Store;
  /** Graceful shutdown (see close order below). Idempotent. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const log = deps.log ?? createLogger({ svc: 'gateway', id: config.id });
  const store = deps.store ?? (await createStore(config.store, log));
  const tenants = deps.tenants ?? (await tenantSourceFor(config));
  const auth = new Authorizer(tenants.current());
  const unwatch = tenants.onChange((snap) => auth.update(snap));
  const now = (): number => Date.now();
  const sessions = new SessionRegistry(
    store,
    {
      ackDeadlineMs: config.sub.ackDeadlineMs,
      maxInflight: config.sub.maxInflight,
      commitIntervalMs: config.sub.commitIntervalMs,
      sessionIdleMs: config.sub.sessionIdleMs,
      fetchMax: Math.max(config.limits.maxSubBatch, 100),
      now,
    },
    log,
  );
  let server: GatewayServer | undefined;
  const connections = (): Record<string, number> => server?.connections() ?? {};
  const metrics = new GatewayMetrics({
    connections: () => Object.values(connections()).reduce((a, b) => a + b, 0),
    sessions: () => sessions.size,
  });
  const ctx: GatewayContext = {
    config,
    store,
    auth,
    sessions,
    metrics,
    log,
    version: KATEWAY_VERSION,
    startedAt: Date.now(),
    connections,
    draining: () => server?.draining ?? false,
  };
  const ws = wsRoutes(ctx);
  const routes: Route[] = [];
  let openapi: unknown;
  routes.push(
    ...pubRoutes(ctx),
    ...subRoutes(ctx),
    ...offsetsRoutes(ctx),
    ...topicRoutes(ctx),
    ...ws.routes,
    ...statusRoutes(ctx, () => (openapi ??= buildOpenApi(routes, KATEWAY_VERSION))),
  );
  server = new GatewayServer(config, routes, metrics, log);
  const ports = await server.listen();
  log.info('gateway listening', { host: config.host, ...ports, store: store.kind, tls: Boolean(config.tls) });

  let deregister: (() => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  const running: RunningGateway = {
    config,
    ports,
    store,
    close: () => (closing ??= shutdown()),
  };

  // Order matters: leave the registry first so the edge stops sending; then refuse new work, answer
  // long-polls with 204, let in-flight requests finish, commit the sessions, and only then close the store.
  async function shutdown(): Promise<void> {
    const t0 = Date.now();
    if (deregister) {
      await deregister().catch((err: unknown) => log.warn('deregister failed', { err }));
      // Keep serving while the edge sees the node go: requests routed meanwhile still get answers.
      await new Promise((r) => setTimeout(r, config.deregisterGraceMs));
    }
    const drained = server!.drain(Math.max(1_000, config.shutdownTimeoutMs - 3_000));
    await sessions.releaseWaiters();
    await ws.close();
    await drained;
    await sessions.close();
    unwatch();
    await store.close();
    await tenants.close();
    log.info('gateway stopped', { ms: Date.now() - t0 });
  }

  if (deps.register) {
    try {
      deregister = await deps.register(running);
    } catch (err) {
      // e.g. a live gateway already holds this id: do not keep serving unregistered.
      await running.close();
      throw err;
    }
  }
  return running;
}

async function tenantSourceFor(config: GatewayConfig): Promise<TenantSource> {
  switch (config.tenants.kind) {
    case 'demo':
      return demoTenantSource(config.tenants.demoKey, config.adminKey);
    case 'file':
      return fileTenantSource(config.tenants.path, config.adminKey);
    case 'zk':
      throw new Error('tenants from ZooKeeper are wired by gateway/zk-wiring.ts (needs --zk)');
  }
}
