// An immutable snapshot of the hosts serving one service; replaced (never mutated) when discovery changes it.
import type { Host, Service } from './host.js';

/**
 * The members of one service at one moment, sorted by gateway id then address so that every proxy instance sees
 * the same order. Ejected and full hosts stay members (hash rings must not move when a host is briefly out);
 * policies skip them through `Host.available`. Hashing policies cache per-set structures keyed by identity.
 */
export class HostSet {
  readonly service: Service;
  readonly hosts: readonly Host[];
  /** Sum of member weights. */
  readonly totalWeight: number;
  /** Increases with every new set of a registry (diagnostics). */
  readonly version: number;

  constructor(service: Service, hosts: readonly Host[], version = 0) {
    this.service = service;
    this.hosts = Object.freeze(
      [...hosts].sort((a, b) => cmp(a.gatewayId, b.gatewayId) || cmp(a.address, b.address)),
    );
    this.totalWeight = this.hosts.reduce((s, h) => s + h.weight, 0);
    this.version = version;
  }

  get size(): number {
    return this.hosts.length;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
