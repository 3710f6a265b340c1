// Discovery snapshots → per-service host sets. Host state lives here, keyed by listener address, across updates.
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import type { Logger } from '../../shared/log.js';
import { Host, hostKey, SERVICES, splitAddress, type Service } from './host.js';
import { HostSet } from './host-set.js';

export type ApplyResult = 'applied' | 'unchanged' | 'ignored-empty';

export interface RegistryStats {
  /** Snapshots that changed the sets. */
  updates: number;
  /** Empty snapshots ignored because a non-empty set was live (a ZooKeeper glitch must not drain the proxy). */
  emptyIgnored: number;
  /** Gateways in the live set. */
  gateways: number;
}

/** Gateway weights are CPU counts; this keeps a typo from flooding the ring with points. */
const MAX_WEIGHT = 256;

/**
 * Owns every Host. `apply` turns a discovery snapshot into new immutable HostSets: a new gateway is usable as soon
 * as its snapshot arrives, a removed one leaves the sets at once (in-flight requests keep their Host and finish),
 * and a snapshot with no gateway at all is ignored while the last good set is live.
 */
export class HostRegistry {
  readonly #hosts = new Map<string, Host>();
  #sets: Record<Service, HostSet>;
  #version = 0;
  #maxInflight: number;
  readonly #log: Logger;
  readonly #removedListeners: ((h: Host) => void)[] = [];
  readonly #changeListeners: (() => void)[] = [];
  readonly stats: RegistryStats = { updates: 0, emptyIgnored: 0, gateways: 0 };

  constructor(opts: { maxInflight: number; logger: Logger }) {
    this.#maxInflight = opts.maxInflight;
    this.#log = opts.logger;
    this.#sets = { pub: new HostSet('pub', []), sub: new HostSet('sub', []), man: new HostSet('man', []) };
  }

  set(service: Service): HostSet {
    return this.#sets[service];
  }

  /** Every live host, all services. */
  hosts(): IterableIterator<Host> {
    return this.#hosts.values();
  }

  /** Called with each host that leaves the sets (its pool should drain and close). */
  onRemoved(cb: (h: Host) => void): void {
    this.#removedListeners.push(cb);
  }

  /** Called after the sets were replaced. */
  onChange(cb: () => void): void {
    this.#changeListeners.push(cb);
  }

  setMaxInflight(n: number): void {
    this.#maxInflight = n;
    for (const h of this.#hosts.values()) h.maxInflight = n;
  }

  apply(gateways: readonly GatewayEndpoint[]): ApplyResult {
    if (gateways.length === 0 && this.#hosts.size > 0) {
      this.stats.emptyIgnored++;
      this.#log.warn('discovery reported no gateway; keeping the last good set', { gateways: this.stats.gateways });
      return 'ignored-empty';
    }
    const next = new Map<string, Host>();
    let changed = false;
    let count = 0;
    let added = 0;
    for (const gw of gateways) {
      const before = next.size;
      for (const service of SERVICES) {
        const address = gw[service];
        if (!address) continue;
        try {
          splitAddress(address);
        } catch {
          this.#log.warn('ignoring gateway listener with a bad address', { gateway: gw.id, service, address });
          continue;
        }
        const key = hostKey(service, address);
        if (next.has(key)) {
          this.#log.warn('two gateways announce the same listener; keeping the first', { gateway: gw.id, address });
          continue;
        }
        const weight = Number.isFinite(gw.cpu) && gw.cpu >= 1 ? Math.min(Math.floor(gw.cpu), MAX_WEIGHT) : 1;
        let h = this.#hosts.get(key);
        if (!h) {
          h = new Host({ service, address, gatewayId: gw.id, zone: gw.zone, weight }, this.#maxInflight);
          changed = true;
          added++;
        } else if (h.gatewayId !== gw.id || h.zone !== gw.zone || h.weight !== weight) {
          h.gatewayId = gw.id;
          h.zone = gw.zone;
          h.weight = weight;
          changed = true;
        }
        next.set(key, h);
      }
      if (next.size > before) count++;
    }
    const removed = [...this.#hosts.values()].filter((h) => !next.has(h.key));
    if (!changed && removed.length === 0) return 'unchanged';

    this.#hosts.clear();
    for (const [k, h] of next) this.#hosts.set(k, h);
    const version = ++this.#version;
    const by: Record<Service, Host[]> = { pub: [], sub: [], man: [] };
    for (const h of next.values()) by[h.service].push(h);
    this.#sets = {
      pub: new HostSet('pub', by.pub, version),
      sub: new HostSet('sub', by.sub, version),
      man: new HostSet('man', by.man, version),
    };
    this.stats.updates++;
    this.stats.gateways = count;
    this.#log.info('gateway set changed', { gateways: count, added, removed: removed.length });
    for (const h of removed) {
      h.retired = true;
      for (const cb of this.#removedListeners) cb(h);
    }
    for (const cb of this.#changeListeners) cb();
    return 'applied';
  }
}
