// Passive outlier detection: outcomes in, ejections out (exponential backoff, a cap, a half-open /alive probe).
import type { Logger } from '../../shared/log.js';
import type { HealthConfig } from '../config.js';
import type { Host, Service } from '../upstream/host.js';
import type { CancelTimer, Clock } from '../util/clock.js';

/**
 * What one request taught us about a host. 'local-failure' = connect refused/timed out, reset, or no response in
 * time; '5xx' = the gateway answered 500-599; 'ok' = anything else (4xx is the client's fault, not the gateway's).
 */
export type Outcome = 'ok' | '5xx' | 'local-failure';

/** Answers whether a host is healthy again (GET /alive); never rejects. */
export type Prober = (h: Host) => Promise<boolean>;

interface HostHealth {
  consecutive5xx: number;
  consecutiveLocal: number;
  /** Ejections in a row: the next ejection lasts base × 2^(level-1). */
  level: number;
  unejectedAt: number;
  cancel: CancelTimer | undefined;
}

export interface DetectorDeps {
  clock: Clock;
  probe: Prober;
  /** Current members of a service (the ejection cap is a share of them). */
  members: (service: Service) => readonly Host[];
  logger: Logger;
}

/**
 * Envoy-style detector (outlier_detection_impl): N consecutive 5xx or N consecutive local failures eject a host
 * for base × 2^(k-1) ms (capped), unless that would eject more than maxEjectionPercent of its service (at least
 * one host may always be out). When the time is up one probe goes to the host's /alive: success returns it to
 * rotation, failure ejects it again for twice as long. A host that stays healthy for one base period after
 * returning starts again from the base time. Enforcement is only the `ejected` flag: policies skip such hosts.
 */
export class OutlierDetector {
  #cfg: HealthConfig;
  readonly #deps: DetectorDeps;
  readonly #state = new Map<Host, HostHealth>();
  readonly #onEjected: ((h: Host, ms: number) => void)[] = [];
  readonly #onUnejected: ((h: Host) => void)[] = [];
  #closed = false;

  constructor(cfg: HealthConfig, deps: DetectorDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
  }

  onEjected(cb: (h: Host, ms: number) => void): void {
    this.#onEjected.push(cb);
  }

  onUnejected(cb: (h: Host) => void): void {
    this.#onUnejected.push(cb);
  }

  reconfigure(cfg: HealthConfig): void {
    this.#cfg = cfg;
  }

  report(h: Host, outcome: Outcome): void {
    if (h.retired) return; // left discovery; late outcomes of its in-flight requests must not recreate state
    const s = this.#health(h);
    if (outcome === 'ok') {
      s.consecutive5xx = 0;
      s.consecutiveLocal = 0;
      if (s.level > 0 && !h.ejected && this.#deps.clock.now() - s.unejectedAt >= this.#cfg.baseEjectionMs) s.level = 0;
      return;
    }
    if (outcome === '5xx') s.consecutive5xx++;
    else s.consecutiveLocal++;
    const { consecutive5xx: max5xx, consecutiveLocalFailures: maxLocal } = this.#cfg;
    if ((max5xx > 0 && s.consecutive5xx >= max5xx) || (maxLocal > 0 && s.consecutiveLocal >= maxLocal)) {
      s.consecutive5xx = 0;
      s.consecutiveLocal = 0;
      if (!h.ejected) this.#tryEject(h, s);
    }
  }

  /** The host left discovery: drop its state and timer. */
  forget(h: Host): void {
    const s = this.#state.get(h);
    s?.cancel?.();
    this.#state.delete(h);
  }

  /** Stops every timer; ejected hosts stay ejected. */
  close(): void {
    this.#closed = true;
    for (const s of this.#state.values()) s.cancel?.();
    this.#state.clear();
  }

  #health(h: Host): HostHealth {
    let s = this.#state.get(h);
    if (!s) {
      s = { consecutive5xx: 0, consecutiveLocal: 0, level: 0, unejectedAt: 0, cancel: undefined };
      this.#state.set(h, s);
    }
    return s;
  }

  #tryEject(h: Host, s: HostHealth): void {
    h.stats.ejectionsDetected++;
    const members = this.#deps.members(h.service);
    const pct = this.#cfg.maxEjectionPercent;
    const allowed = pct === 0 ? 0 : Math.max(1, Math.floor((members.length * pct) / 100));
    const out = members.reduce((n, m) => n + (m.ejected ? 1 : 0), 0);
    if (out >= allowed) {
      this.#deps.logger.warn('outlier not ejected: ejection cap reached', { gateway: h.gatewayId, service: h.service, ejected: out, allowed });
      return;
    }
    this.#eject(h, s);
  }

  #eject(h: Host, s: HostHealth): void {
    h.ejected = true;
    h.stats.ejectionsEnforced++;
    s.level++;
    const ms = Math.min(this.#cfg.baseEjectionMs * 2 ** (s.level - 1), this.#cfg.maxEjectionMs);
    s.cancel = this.#deps.clock.setTimer(() => this.#probe(h, s), ms);
    this.#deps.logger.warn('gateway listener ejected', { gateway: h.gatewayId, service: h.service, address: h.address, ms });
    for (const cb of this.#onEjected) cb(h, ms);
  }

  #probe(h: Host, s: HostHealth): void {
    s.cancel = undefined;
    void this.#deps.probe(h).then((ok) => {
      if (this.#closed || this.#state.get(h) !== s) return; // forgotten meanwhile
      if (!ok) {
        h.stats.ejectionsDetected++;
        this.#eject(h, s);
        return;
      }
      h.ejected = false;
      s.unejectedAt = this.#deps.clock.now();
      this.#deps.logger.info('gateway listener back in rotation', { gateway: h.gatewayId, service: h.service, address: h.address });
      for (const cb of this.#onUnejected) cb(h);
    });
  }
}
