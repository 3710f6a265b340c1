// What a gateway publishes about itself in the registry (/_kateway/ids/<zone>/<id>), and how parts watch the live set.

/** JSON stored in the ephemeral znode of a live gateway (the original's layout). */
export interface GatewayEndpoint {
  id: string;
  zone: string;
  /** Host to reach the listeners at (127.0.0.1 in tests). */
  host: string;
  /** Listener addresses as host:port; '' when the listener is disabled. */
  pub: string;
  sub: string;
  man: string;
  /** CPU count: the weight of the gateway in the proxy's balancers. */
  cpu: number;
  /** kateway version. */
  ver: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

/** A live set of gateways that changes over time (ZooKeeper watch, or a static list). */
export interface GatewaySource {
  /** The live set now, sorted by id. */
  snapshot(): readonly GatewayEndpoint[];
  /** Called with every new live set. Returns an unsubscribe function. */
  onChange(cb: (gateways: readonly GatewayEndpoint[]) => void): () => void;
  close(): Promise<void>;
}
