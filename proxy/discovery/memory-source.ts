// A GatewaySource whose set is pushed by its owner: tests, benchmarks, and a static list from config.
import type { GatewayEndpoint, GatewaySource } from '../../shared/discovery/gateway-endpoint.js';

/** Holds a set and tells subscribers synchronously whenever `set` is called (even with the same set, as a watch may). */
export class MemorySource implements GatewaySource {
  #gateways: readonly GatewayEndpoint[];
  readonly #subs = new Set<(g: readonly GatewayEndpoint[]) => void>();

  constructor(initial: readonly GatewayEndpoint[] = []) {
    this.#gateways = sortById(initial);
  }

  snapshot(): readonly GatewayEndpoint[] {
    return this.#gateways;
  }

  onChange(cb: (gateways: readonly GatewayEndpoint[]) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }

  set(gateways: readonly GatewayEndpoint[]): void {
    this.#gateways = sortById(gateways);
    for (const cb of [...this.#subs]) cb(this.#gateways);
  }

  async close(): Promise<void> {
    this.#subs.clear();
  }
}

const sortById = (g: readonly GatewayEndpoint[]): readonly GatewayEndpoint[] =>
  Object.freeze([...g].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
