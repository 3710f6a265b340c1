// Self-registration of a gateway: the ephemeral /_kateway/ids/<zone>/<id> node, kept across session expiry.
import { AppError, ErrorCode } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import { parseGatewayEndpoint } from '../../shared/discovery/parse-endpoint.js';
import { gatewayPath } from '../../shared/zk/paths.js';
import type { ZkClient, ZkWatchEvent } from '../../shared/zk/zk-client.js';
import { isZkError } from '../../shared/zk/zk-error.js';

export interface GatewayRegistryOptions {
  /** A client owned by the caller: close() here deregisters but leaves the client open. */
  zk: ZkClient;
  endpoint: GatewayEndpoint;
  /**
   * How long to wait for a node left by a dead predecessor with the same id and addresses (its session has not
   * expired yet, or ZOOKEEPER-1740) before refusing, ms. Default 3 x the session timeout, as the original retried.
   */
  staleWaitMs?: number;
  /** Told when re-registering after a reconnect or a new session fails (e.g. a live gateway took the id meanwhile). */
  onError?: (err: Error) => void;
  log?: Logger;
}

/**
 * Call register() last in startup, once every listener is up (the node is the proxies' signal to send traffic), and
 * deregister() first on drain. After a session expiry the node is re-created on the new session by itself.
 */
export class GatewayRegistry {
  readonly path: string;
  readonly #zk: ZkClient;
  readonly #ep: GatewayEndpoint;
  readonly #data: string;
  readonly #staleWaitMs: number | undefined;
  readonly #log: Logger;
  readonly #onError: (err: Error) => void;
  #wanted = false;
  #offSession: (() => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #wake: () => void = () => undefined;

  constructor(opts: GatewayRegistryOptions) {
    this.#zk = opts.zk;
    this.#ep = { ...opts.endpoint };
    this.path = gatewayPath(opts.endpoint.zone, opts.endpoint.id);
    this.#data = JSON.stringify(this.#ep);
    this.#staleWaitMs = opts.staleWaitMs;
    this.#log = (opts.log ?? silentLogger).child({ registry: this.path });
    this.#onError = opts.onError ?? ((err) => this.#log.error('gateway re-registration failed', { err }));
  }

  /**
   * Creates the node. Throws AppError CONFLICT when a live gateway holds the id, or a ZkError when ZooKeeper cannot
   * be reached; after a retriable ZkError it keeps trying on every reconnect until deregister().
   */
  async register(): Promise<void> {
    this.#wanted = true;
    // Every (re)connect re-checks: a new session lost the node, and an operator may have deleted it.
    this.#offSession ??= this.#zk.onSession((e) => {
      if (e.type === 'connected' && this.#wanted) this.#serial(() => this.#ensure()).catch((err: Error) => this.#onError(err));
    });
    try {
      await this.#serial(() => this.#ensure());
    } catch (err) {
      if (!isZkError(err) || !err.retriable) this.#stop();
      throw err;
    }
  }

  /** Removes the node if this session owns it (another gateway's node is left alone). Returns whether it removed it. */
  async deregister(): Promise<boolean> {
    this.#stop();
    return this.#serial(async () => {
      const stat = await this.#zk.exists(this.path);
      if (!stat) return false;
      if (stat.ephemeralOwner !== this.#zk.sessionId) {
        this.#log.warn('not deregistering: node owned by another session', { owner: stat.ephemeralOwner });
        return false;
      }
      const removed = await this.#zk.remove(this.path, { version: stat.version });
      this.#log.info('deregistered');
      return removed;
    });
  }

  /** deregister(), logging instead of throwing: the node goes with the session anyway when the client closes. */
  async close(): Promise<void> {
    try {
      await this.deregister();
    } catch (err) {
      this.#log.warn('deregister failed on close', { err });
    }
  }

  #stop(): void {
    this.#wanted = false;
    this.#offSession?.();
    this.#offSession = undefined;
    this.#wake();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #ensure(): Promise<void> {
    const deadline = Date.now() + (this.#staleWaitMs ?? 3 * this.#zk.sessionTimeoutMs);
    while (this.#wanted) {
      try {
        await this.#zk.create(this.path, this.#data, { mode: 'ephemeral', parents: true });
        this.#log.info('registered', { session: this.#zk.sessionId });
        return;
      } catch (err) {
        if (!isZkError(err, 'NODE_EXISTS')) throw err;
      }
      const node = await this.#zk.getData(this.path);
      if (!node) continue; // gone between create and read
      if (node.stat.ephemeralOwner === this.#zk.sessionId) {
        // Ours already (a create answered after its timeout, or a reconnect on the same session).
        if (node.data.toString() !== this.#data) await this.#zk.setData(this.path, this.#data, node.stat.version);
        return;
      }
      const other = describe(node.data);
      if (!this.#samePlace(node.data)) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `gateway id "${this.#ep.id}" is already registered in zone "${this.#ep.zone}" by a live gateway (${other}); ` +
            'give this gateway another id',
        );
      }
      // Same id, host and listener addresses: we hold those ports now, so the owner is a dead predecessor whose
      // session the server has not expired yet (or a ZOOKEEPER-1740 leftover). Wait for the node to go.
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `gateway id "${this.#ep.id}" in zone "${this.#ep.zone}": a stale registration (${other}, session ` +
            `${node.stat.ephemeralOwner}) did not go away within ${this.#staleWaitMs ?? 3 * this.#zk.sessionTimeoutMs} ms`,
        );
      }
      this.#log.warn('waiting for a stale registration of this id to expire', { owner: node.stat.ephemeralOwner, leftMs: left });
      await this.#waitGone(left);
    }
  }

  /** True when the node describes this very instance (same id, zone, host and listener addresses). */
  #samePlace(raw: Buffer): boolean {
    try {
      const e = parseGatewayEndpoint(raw);
      const me = this.#ep;
      return e.id === me.id && e.zone === me.zone && e.host === me.host && e.pub === me.pub && e.sub === me.sub && e.man === me.man;
    } catch {
      return false;
    }
  }

  /** Resolves when the node is deleted, after `ms`, or on deregister(), whichever comes first. */
  async #waitGone(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.#wake = done;
      timer = setTimeout(done, ms);
      // Any event (deleted, or data changed) ends the wait: the caller's loop looks at the node again.
      const watcher = (_e: ZkWatchEvent): void => done();
      this.#zk.exists(this.path, watcher).then((stat) => stat || done(), done);
    });
    clearTimeout(timer);
    this.#wake = () => undefined;
  }
}

function describe(raw: Buffer): string {
  try {
    const e = parseGatewayEndpoint(raw);
    return `host ${e.host}, pub ${e.pub || '-'}, sub ${e.sub || '-'}, man ${e.man || '-'}, started ${new Date(e.startedAt).toISOString()}`;
  } catch {
    return 'unparsable data';
  }
}
