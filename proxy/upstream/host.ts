// One gateway listener as the proxy sees it: identity from discovery plus runtime state (load, health, counters).

/** The three gateway listeners a request can be routed to. */
export type Service = 'pub' | 'sub' | 'man';
export const SERVICES: readonly Service[] = ['pub', 'sub', 'man'];

/** Counters shown at /proxy/v1/status and /proxy/metrics. Plain numbers: updated on every request, read rarely. */
export interface HostStats {
  /** Requests (and WebSocket sessions) sent or attempted. */
  requests: number;
  /** Request body bytes sent to the gateway (WebSocket: client → gateway bytes). */
  bytesIn: number;
  /** Response bytes received from the gateway, body only (WebSocket: gateway → client bytes). */
  bytesOut: number;
  /** Responses by status class: index 1 = 1xx ... 5 = 5xx. */
  responses: [number, number, number, number, number, number];
  /** Connections the gateway refused or that did not open within the connect timeout. */
  connectErrors: number;
  /** Requests that failed after being sent (reset, protocol error). */
  sendErrors: number;
  /** Requests whose response headers or body did not arrive in time. */
  timeouts: number;
  /** Requests that were re-sent elsewhere because they never reached this host. */
  retried: number;
  /** Clients that went away before the response completed. */
  clientAborts: number;
  /** Times the outlier detector wanted to eject this host, and times it actually did (the cap can refuse). */
  ejectionsDetected: number;
  ejectionsEnforced: number;
}

export const emptyStats = (): HostStats => ({
  requests: 0,
  bytesIn: 0,
  bytesOut: 0,
  responses: [0, 0, 0, 0, 0, 0],
  connectErrors: 0,
  sendErrors: 0,
  timeouts: 0,
  retried: 0,
  clientAborts: 0,
  ejectionsDetected: 0,
  ejectionsEnforced: 0,
});

/** Identity of a listener as announced by discovery. */
export interface HostIdentity {
  service: Service;
  /** host:port of the listener; with the service, the key that keeps state across discovery updates and reloads. */
  address: string;
  gatewayId: string;
  zone: string;
  /** Balancing weight (the gateway's CPU count), at least 1. */
  weight: number;
}

/**
 * Runtime state of one upstream listener. Policies ask it one question, `available`; the outlier detector sets
 * `ejected`; the forwarder moves `inflight`. Identity fields other than address are refreshed from discovery.
 */
export class Host {
  readonly service: Service;
  readonly address: string;
  readonly hostname: string;
  readonly port: number;
  gatewayId: string;
  zone: string;
  weight: number;
  /** Requests (and tunnels) currently open to this host. */
  inflight = 0;
  /** Per-host concurrency limit: a full host is skipped like an ejected one. */
  maxInflight: number;
  /** Set by the outlier detector; an ejected host gets no new requests until a probe succeeds. */
  ejected = false;
  /** Set when discovery removed the host: it is in no set any more, only its in-flight requests still finish. */
  retired = false;
  readonly stats: HostStats = emptyStats();

  constructor(id: HostIdentity, maxInflight: number) {
    this.service = id.service;
    this.address = id.address;
    const { hostname, port } = splitAddress(id.address);
    this.hostname = hostname;
    this.port = port;
    this.gatewayId = id.gatewayId;
    this.zone = id.zone;
    this.weight = id.weight;
    this.maxInflight = maxInflight;
  }

  /** Whether a policy may send a new request here. */
  get available(): boolean {
    return !this.ejected && this.inflight < this.maxInflight;
  }

  /** Stable key of this listener across discovery updates. */
  get key(): string {
    return hostKey(this.service, this.address);
  }
}

export const hostKey = (service: Service, address: string): string => `${service}|${address}`;

/** Splits "host:port" or "[v6]:port"; throws on anything else (discovery data is validated before use). */
export function splitAddress(address: string): { hostname: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  let hostname = address.slice(0, i);
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  if (i <= 0 || !hostname || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid listener address ${JSON.stringify(address)}`);
  }
  return { hostname, port };
}
