// A GatewaySource over a fixed list: the embedded single-process default and tests.
import type { GatewayEndpoint, GatewaySource } from './gateway-endpoint.js';
import { sortEndpoints } from './parse-endpoint.js';

/** Never changes on its own; `replace()` swaps the list and notifies (tests that simulate joins and leaves). */
export class StaticGatewaySource implements GatewaySource {
  #gateways: readonly GatewayEndpoint[];
  readonly #subs = new Set<(g: readonly GatewayEndpoint[]) => void>();

  constructor(gateways: readonly GatewayEndpoint[]) {
    this.#gateways = sortEndpoints(gateways);
  }

  snapshot(): readonly GatewayEndpoint[] {
    return this.#gateways;
  }

  onChange(cb: (gateways: readonly GatewayEndpoint[]) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }

  replace(gateways: readonly GatewayEndpoint[]): void {
    this.#gateways = sortEndpoints(gateways);
    for (const cb of [...this.#subs]) cb(this.#gateways);
  }

  async close(): Promise<void> {
    this.#subs.clear();
  }
}
