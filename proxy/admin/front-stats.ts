// Counters of the proxy's front side (per worker): what clients asked and what the proxy itself answered.

export interface FrontStats {
  /** Requests received (admin endpoints included). */
  requests: number;
  /** WebSocket upgrades received. */
  upgrades: number;
  /** 429: refused by a rate limit. */
  rateLimited: number;
  /** 503: no usable gateway for the service. */
  noUpstream: number;
  /** 503: every attempt failed before sending. */
  unreachable: number;
  /** 502: failed after sending. */
  failed: number;
  /** 504: gateway too slow. */
  timeouts: number;
  /** Clients that left before their response completed. */
  clientAborts: number;
  /** Attempts re-sent to another gateway because the first never left. */
  retries: number;
}

export const emptyFrontStats = (): FrontStats => ({
  requests: 0,
  upgrades: 0,
  rateLimited: 0,
  noUpstream: 0,
  unreachable: 0,
  failed: 0,
  timeouts: 0,
  clientAborts: 0,
  retries: 0,
});
