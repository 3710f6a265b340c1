// The live gateways of a zone, from the ephemeral nodes under /_kateway/ids/<zone>, kept current by a child watch.
import { silentLogger, type Logger } from '../log.js';
import { ChildrenWatch } from '../zk/children-watch.js';
import { gatewayZonePath } from '../zk/paths.js';
import type { ZkClient } from '../zk/zk-client.js';
import type { GatewayEndpoint, GatewaySource } from './gateway-endpoint.js';
import { parseGatewayEndpoint, sortEndpoints } from './parse-endpoint.js';

export interface ZkGatewaySourceOptions {
  /** A client owned by the caller (closing the source does not close it). */
  zk: ZkClient;
  zone: string;
  log?: Logger;
}

/**
 * GatewaySource over ZooKeeper. Every child event re-reads all children's JSON (a re-registration after expiry is a
 * delete + create that a single event may merge), skips nodes that do not parse, and notifies only when the set
 * differs from the last one. While ZooKeeper is unreachable the last set stays (`connected` says so); reconnects and
 * new sessions re-read and re-arm the watch.
 */
export class ZkGatewaySource implements GatewaySource {
  readonly #zk: ZkClient;
  readonly #zone: string;
  readonly #log: Logger;
  readonly #subs = new Set<(g: readonly GatewayEndpoint[]) => void>();
  readonly #watch: ChildrenWatch;
  #gateways: readonly GatewayEndpoint[] = Object.freeze([]);
  #key = '[]';
  #warned = new Set<string>();

  /** Starts watching; resolves after the first read. Rejects (and closes the source) if that read fails. */
  static async start(opts: ZkGatewaySourceOptions): Promise<ZkGatewaySource> {
    const src = new ZkGatewaySource(opts);
    try {
      await src.#watch.start();
    } catch (e) {
      await src.close();
      throw e;
    }
    return src;
  }

  private constructor(opts: ZkGatewaySourceOptions) {
    this.#zk = opts.zk;
    this.#zone = opts.zone;
    this.#log = (opts.log ?? silentLogger).child({ zone: opts.zone });
    this.#watch = new ChildrenWatch({
      zk: opts.zk,
      path: gatewayZonePath(opts.zone),
      onChildren: (ids) => this.#load(ids),
      log: this.#log,
    });
  }

  /** False while ZooKeeper is unreachable: the set is the last one seen and may be stale. */
  get connected(): boolean {
    return this.#zk.connected;
  }

  get zone(): string {
    return this.#zone;
  }

  snapshot(): readonly GatewayEndpoint[] {
    return this.#gateways;
  }

  onChange(cb: (gateways: readonly GatewayEndpoint[]) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }

  async close(): Promise<void> {
    this.#subs.clear();
    await this.#watch.close();
  }

  async #load(ids: string[]): Promise<void> {
    const dir = gatewayZonePath(this.#zone);
    // A failed read throws and the ChildrenWatch retries the whole listing: never publish a partial set.
    const nodes = await Promise.all(ids.map(async (id) => ({ id, node: await this.#zk.getData(`${dir}/${id}`) })));
    const live: GatewayEndpoint[] = [];
    for (const { id, node } of nodes) {
      if (!node) continue; // left between the listing and the read; its event is on its way
      try {
        const ep = parseGatewayEndpoint(node.data);
        if (ep.id !== id) throw new Error(`id "${ep.id}" does not match the node name`);
        live.push(ep);
      } catch (err) {
        const key = `${id}@${node.stat.version}:${node.stat.ephemeralOwner ?? ''}`;
        if (!this.#warned.has(key)) this.#log.warn('skipping unparsable gateway node', { node: `${dir}/${id}`, err });
        this.#warned.add(key);
      }
    }
    const next = sortEndpoints(live);
    const key = JSON.stringify(next);
    if (key === this.#key) return;
    this.#key = key;
    this.#gateways = next;
    this.#log.info('gateway set changed', { ids: next.map((g) => g.id) });
    for (const cb of [...this.#subs]) {
      try {
        cb(next);
      } catch (err) {
        this.#log.error('gateway set subscriber threw', { err });
      }
    }
  }
}
