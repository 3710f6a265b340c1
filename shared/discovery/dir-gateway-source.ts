// Watches an embedded registry directory and yields the live gateways (files whose process is alive).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayEndpoint, GatewaySource } from './gateway-endpoint.js';
import { parseGatewayEndpoint, sortEndpoints } from './parse-endpoint.js';
import { pidAlive, type DirEntry } from './dir-gateway-registry.js';

export interface DirGatewaySourceOptions {
  dir: string;
  /** How often the directory and the pids are checked, ms (default 200: a joining gateway takes traffic within 1 s). */
  pollMs?: number;
}

/** Polls rather than fs.watch: it must also notice a process that died without removing its file. */
export class DirGatewaySource implements GatewaySource {
  readonly #dir: string;
  readonly #timer: NodeJS.Timeout;
  readonly #subs = new Set<(g: readonly GatewayEndpoint[]) => void>();
  #gateways: readonly GatewayEndpoint[] = [];
  #key = '';

  constructor(opts: DirGatewaySourceOptions) {
    this.#dir = opts.dir;
    this.#scan();
    this.#timer = setInterval(() => this.#scan(), opts.pollMs ?? 200);
    this.#timer.unref();
  }

  snapshot(): readonly GatewayEndpoint[] {
    return this.#gateways;
  }

  onChange(cb: (gateways: readonly GatewayEndpoint[]) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#subs.clear();
  }

  #scan(): void {
    const live: GatewayEndpoint[] = [];
    let names: string[];
    try {
      names = readdirSync(this.#dir).filter((n) => n.endsWith('.json'));
    } catch {
      names = [];
    }
    for (const name of names) {
      try {
        const raw = readFileSync(join(this.#dir, name), 'utf8');
        const { pid } = JSON.parse(raw) as Partial<DirEntry>;
        if (typeof pid === 'number' && pidAlive(pid)) live.push(parseGatewayEndpoint(raw));
      } catch {
        // half-written or foreign file: skip it this round
      }
    }
    const sorted = sortEndpoints(live);
    const key = JSON.stringify(sorted);
    if (key === this.#key) return;
    this.#key = key;
    this.#gateways = sorted;
    for (const cb of [...this.#subs]) cb(sorted);
  }
}
