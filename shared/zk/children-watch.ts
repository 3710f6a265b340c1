// Keeps a one-shot ZooKeeper child watch armed and reports every new child list, across reconnects and new sessions.
import { silentLogger, type Logger } from '../log.js';
import type { ZkClient, ZkWatchEvent } from './zk-client.js';

export interface ChildrenWatchOptions {
  zk: ZkClient;
  path: string;
  /**
   * Called with the sorted child names after every change, one call at a time; `exists` is false (and children [])
   * while the node does not exist. Changes during a call are coalesced into one more call. A rejection is retried.
   */
  onChildren: (children: string[], exists: boolean) => Promise<void> | void;
  /** Pause before retrying a failed read while connected, ms. Default 500. */
  retryMs?: number;
  log?: Logger;
}

/**
 * Reads `path`'s children with a watch and re-reads on every watch event, on every (re)connect (watches set on an
 * expired session are gone; a failed read set none) and after a failed read. Not a snapshot of the children's data:
 * `onChildren` reads what it needs.
 */
export class ChildrenWatch {
  readonly #o: Required<Omit<ChildrenWatchOptions, 'log'>> & { log: Logger };
  readonly #offSession: () => void;
  readonly #watcher = (_e: ZkWatchEvent): void => this.refresh();
  #running: Promise<boolean> | undefined;
  #lastError: unknown;
  #again = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(opts: ChildrenWatchOptions) {
    this.#o = { retryMs: 500, ...opts, log: opts.log ?? silentLogger };
    this.#offSession = opts.zk.onSession((e) => {
      if (e.type === 'connected') this.refresh();
    });
  }

  /** Performs the first read; resolves after its `onChildren` call, rejects if that read fails (it keeps retrying). */
  async start(): Promise<void> {
    this.refresh();
    if (!(await this.#running)) throw this.#lastError;
  }

  /** Schedules a re-read (coalesced with one in flight). */
  refresh(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => (this.#running = undefined));
  }

  /** Stops reacting. Watches already set on the server fire once more into a no-op. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#offSession();
    await this.#running;
  }

  async #loop(): Promise<boolean> {
    do {
      this.#again = false;
      try {
        await this.#readOnce();
      } catch (err) {
        this.#lastError = err;
        if (this.#closed) return false;
        this.#o.log.warn('zookeeper child watch read failed', { path: this.#o.path, err });
        // Disconnected: the next 'connected' event refreshes. Connected: a transient error, try again soon.
        if (this.#o.zk.connected) {
          clearTimeout(this.#retry);
          this.#retry = setTimeout(() => this.refresh(), this.#o.retryMs);
        }
        return false;
      }
    } while (this.#again && !this.#closed);
    return true;
  }

  async #readOnce(): Promise<void> {
    const { zk, path } = this.#o;
    let children = await zk.getChildren(path, this.#watcher);
    if (children === undefined) {
      // No node: watch for its creation. It may have appeared between the two calls, so look again if it exists.
      if (await zk.exists(path, this.#watcher)) children = await zk.getChildren(path, this.#watcher);
    }
    if (this.#closed) return;
    await this.#o.onChildren([...(children ?? [])].sort(), children !== undefined);
  }
}
