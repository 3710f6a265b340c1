// The proxy's status document (GET /proxy/v1/status): per gateway listener sessions, bytes, statuses, health, ring.
import { isRingPolicy, type BalancerPolicy } from '../balancer/policy.js';
import type { HostRegistry, RegistryStats } from '../upstream/host-registry.js';
import { SERVICES, type Host, type Service } from '../upstream/host.js';
import type { FrontStats } from './front-stats.js';

export interface ListenerStatus {
  address: string;
  ejected: boolean;
  /** Requests and tunnels open now. */
  currentSessions: number;
  totalSessions: number;
  bytesIn: number;
  bytesOut: number;
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  connectErrors: number;
  sendErrors: number;
  timeouts: number;
  retried: number;
  clientAborts: number;
  ejectionsDetected: number;
  ejectionsEnforced: number;
}

export interface GatewayStatus {
  id: string;
  zone: string;
  weight: number;
  listeners: Partial<Record<Service, ListenerStatus>>;
  /** Share of the subscriber key space this gateway owns on the sub ring (0–1), when sub is hashed. */
  ringShare?: number;
}

export interface ProxyStatus {
  /** Serving processes summed into this document (one, or every cluster worker). */
  pids: number[];
  uptimeSec: number;
  draining: boolean;
  policies: Record<Service, string>;
  front: FrontStats;
  discovery: RegistryStats;
  websocketTunnels: number;
  gateways: GatewayStatus[];
}

export interface StatusSource {
  registry: HostRegistry;
  policies: () => Readonly<Record<Service, BalancerPolicy>>;
  front: FrontStats;
  draining: () => boolean;
  tunnels: () => number;
  uptimeSec: () => number;
}

export function listenerStatus(h: Host): ListenerStatus {
  const s = h.stats;
  const r = s.responses;
  return {
    address: h.address,
    ejected: h.ejected,
    currentSessions: h.inflight,
    totalSessions: s.requests,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    responses: { '1xx': r[1], '2xx': r[2], '3xx': r[3], '4xx': r[4], '5xx': r[5] },
    connectErrors: s.connectErrors,
    sendErrors: s.sendErrors,
    timeouts: s.timeouts,
    retried: s.retried,
    clientAborts: s.clientAborts,
    ejectionsDetected: s.ejectionsDetected,
    ejectionsEnforced: s.ejectionsEnforced,
  };
}

export function buildStatus(src: StatusSource): ProxyStatus {
  const policies = src.policies();
  const byId = new Map<string, GatewayStatus>();
  for (const service of SERVICES) {
    for (const h of src.registry.set(service).hosts) {
      let g = byId.get(h.gatewayId);
      if (!g) {
        g = { id: h.gatewayId, zone: h.zone, weight: h.weight, listeners: {} };
        byId.set(h.gatewayId, g);
      }
      g.listeners[service] = listenerStatus(h);
    }
  }
  const sub = policies.sub;
  if (isRingPolicy(sub)) {
    for (const [h, share] of sub.shares(src.registry.set('sub'))) {
      const g = byId.get(h.gatewayId);
      if (g) g.ringShare = Math.round(share * 1e4) / 1e4;
    }
  }
  return {
    pids: [process.pid],
    uptimeSec: Math.round(src.uptimeSec()),
    draining: src.draining(),
    policies: { pub: policies.pub.name, sub: policies.sub.name, man: policies.man.name },
    front: { ...src.front },
    discovery: { ...src.registry.stats },
    websocketTunnels: src.tunnels(),
    gateways: [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
