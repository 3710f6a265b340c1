// What route handlers share: config, store, auth, sessions, metrics and the gateway's identity.
import type { Logger } from '../shared/log.js';
import type { Authorizer } from './auth/authorizer.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { Store } from './store/store.js';
import type { SessionRegistry } from './sub/session-registry.js';

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly auth: Authorizer;
  readonly sessions: SessionRegistry;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly version: string;
  readonly startedAt: number;
  /** Live connection counts per listener, maintained by the server. */
  readonly connections: () => Record<string, number>;
  /** True once graceful shutdown began. */
  readonly draining: () => boolean;
}
