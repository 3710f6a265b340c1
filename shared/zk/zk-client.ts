// Promise wrapper over node-zookeeper-client: one long-lived handle that reconnects, and opens a new session after expiry.
import zookeeper from 'node-zookeeper-client';
import type { Client, Event as LibEvent, State as LibState, Stat as LibStat } from 'node-zookeeper-client';
import { silentLogger, type Logger } from '../log.js';
import { ZkError, isZkError, toZkError } from './zk-error.js';
import { parentOf } from './paths.js';
import { watchConnection } from './connection-watchdog.js';
import { toStat, toWatchEvent, type ZkCreateMode, type ZkNode, type ZkSessionEvent, type ZkStat, type ZkWatcher } from './zk-types.js';

export type { ZkCreateMode, ZkNode, ZkSessionEvent, ZkStat, ZkWatchEvent, ZkWatcher } from './zk-types.js';

export interface ZkClientOptions {
  /** `host:port[,host:port...][/chroot]`. */
  connectString: string;
  /** Session timeout asked for, ms. The server clamps it to [2, 20] x tickTime. Default 10000. */
  sessionTimeoutMs?: number;
  /** `ZkClient.connect()` rejects with CONNECT_TIMEOUT when no session is up after this long, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** One operation rejects with TIMEOUT after this long, ms. Requests wait in a queue while disconnected. Default 5000. */
  operationTimeoutMs?: number;
  /** Upper bound of the random pause between reconnect attempts once every server was tried, ms. Default 250. */
  reconnectDelayMs?: number;
  /** A connection whose handshake gets no answer for this long is dropped and retried, ms. Default sessionTimeout/3 in [250, 2000]. */
  handshakeTimeoutMs?: number;
  /**
   * `user:password` for ZooKeeper's digest scheme. With it the session authenticates (again after every reconnect) and
   * every node this client creates is readable and writable by that identity only (CREATOR_ALL), so that nobody else
   * on the network can register a fake gateway or rewrite tenants. Without it nodes are open to all, as in the original.
   */
  auth?: string | undefined;
  log?: Logger;
}

type Done<T> = (err: unknown, value?: T) => void;

export class ZkClient {
  readonly connectString: string;
  readonly #sessionTimeoutMs: number;
  readonly #opTimeoutMs: number;
  readonly #reconnectDelayMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #log: Logger;
  readonly #auth: Buffer | undefined;
  readonly #acl: zookeeper.ACL[];
  readonly #listeners = new Set<(e: ZkSessionEvent) => void>();
  // The library calls a watcher once per distinct function, so each user watcher maps to one stable wrapper.
  readonly #wrapped = new WeakMap<ZkWatcher, (e: LibEvent) => void>();
  #client: Client;
  #stopWatchdog: () => void = () => undefined;
  #sessionId = '';
  #connected = false;
  #closed = false;

  /** Connects and resolves once a session is up; rejects with a ZkError CONNECT_TIMEOUT naming the address otherwise. */
  static async connect(opts: ZkClientOptions): Promise<ZkClient> {
    const zk = ZkClient.open(opts);
    try {
      await zk.waitConnected(opts.connectTimeoutMs ?? 5000);
    } catch (e) {
      await zk.close();
      throw e;
    }
    return zk;
  }

  /** Starts connecting in the background and returns at once (for callers that can start from a cached copy). */
  static open(opts: ZkClientOptions): ZkClient {
    return new ZkClient(opts);
  }

  private constructor(opts: ZkClientOptions) {
    if (!opts.connectString) throw new Error('ZkClient: connectString is required');
    for (const k of ['sessionTimeoutMs', 'connectTimeoutMs', 'operationTimeoutMs', 'reconnectDelayMs', 'handshakeTimeoutMs'] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`ZkClient: ${k} must be a number > 0, got ${v}`);
    }
    this.connectString = opts.connectString;
    this.#sessionTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.#opTimeoutMs = opts.operationTimeoutMs ?? 5000;
    this.#reconnectDelayMs = opts.reconnectDelayMs ?? 250;
    this.#handshakeTimeoutMs = opts.handshakeTimeoutMs ?? Math.min(2000, Math.max(250, this.#sessionTimeoutMs / 3));
    this.#log = (opts.log ?? silentLogger).child({ zk: opts.connectString });
    if (opts.auth !== undefined && !/^[^:]+:.+$/.test(opts.auth)) throw new Error('ZkClient: auth must be user:password');
    this.#auth = opts.auth === undefined ? undefined : Buffer.from(opts.auth);
    const { ACL, Id, Permission } = zookeeper;
    this.#acl = [new ACL(Permission.ALL, this.#auth ? new Id('auth', '') : new Id('world', 'anyone'))];
    this.#client = this.#open();
  }

  /** True while a session is up and the socket is connected. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Hex id of the current (or last) session; '' before the first connect. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The session timeout the server granted, ms (the asked-for value before the first connect). */
  get sessionTimeoutMs(): number {
    return this.#connected ? this.#client.getSessionTimeout() : this.#sessionTimeoutMs;
  }

  /** Subscribes to session events. Returns an unsubscribe function. */
  onSession(cb: (e: ZkSessionEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Creates `path`; with `parents`, missing ancestors are created as empty persistent nodes first. Returns the path. */
  async create(
    path: string,
    data: Buffer | string = Buffer.alloc(0),
    opts: { mode?: ZkCreateMode; parents?: boolean } = {},
  ): Promise<string> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const mode = opts.mode === 'ephemeral' ? zookeeper.CreateMode.EPHEMERAL : zookeeper.CreateMode.PERSISTENT;
    const once = (): Promise<string> =>
      this.#op<string>('create', path, (c, done) => c.create(path, buf, this.#acl, mode, (err, p) => done(err, p)));
    if (!opts.parents) return once();
    // Parents usually exist already: try first, and walk the path only when the server says one is missing.
    try {
      return await once();
    } catch (e) {
      if (!isZkError(e, 'NO_NODE')) throw e;
    }
    await this.mkdirp(parentOf(path));
    return once();
  }

  /** Creates `path` and its missing ancestors as empty persistent nodes (like mkdir -p). */
  async mkdirp(path: string): Promise<void> {
    let cur = '';
    for (const part of path.split('/').filter(Boolean)) {
      cur += `/${part}`;
      try {
        await this.#op<string>('create', cur, (c, done) => c.create(cur, this.#acl, (err, p) => done(err, p)));
      } catch (e) {
        if (!isZkError(e, 'NODE_EXISTS')) throw e;
      }
    }
  }

  /** Data and stat, or undefined when the node does not exist. A watcher is set only when the node exists. */
  async getData(path: string, watcher?: ZkWatcher): Promise<ZkNode | undefined> {
    try {
      return await this.#op<ZkNode>('getData', path, (c, done) => {
        const cb = (err: unknown, data?: Buffer, stat?: LibStat): void =>
          done(err, stat && { data: data ?? Buffer.alloc(0), stat: toStat(stat) });
        if (watcher) c.getData(path, this.#wrap(watcher), cb);
        else c.getData(path, cb);
      });
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return undefined;
      throw e;
    }
  }

  /** Writes data if the node's version is `version` (-1: any). Throws BAD_VERSION or NO_NODE. */
  async setData(path: string, data: Buffer | string, version = -1): Promise<ZkStat> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    return this.#op<ZkStat>('setData', path, (c, done) =>
      c.setData(path, buf, version, (err, stat) => done(err, stat && toStat(stat))),
    );
  }

  /** Child names (unsorted), or undefined when the node does not exist. A watcher is set only when it exists. */
  async getChildren(path: string, watcher?: ZkWatcher): Promise<string[] | undefined> {
    try {
      return await this.#op<string[]>('getChildren', path, (c, done) => {
        const cb = (err: unknown, children?: string[]): void => done(err, children);
        if (watcher) c.getChildren(path, this.#wrap(watcher), cb);
        else c.getChildren(path, cb);
      });
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return undefined;
      throw e;
    }
  }

  /** Stat, or undefined when absent. A watcher fires on create (if absent), on delete or data change (if present). */
  async exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | undefined> {
    return this.#op<ZkStat | undefined>('exists', path, (c, done) => {
      const cb = (err: unknown, stat?: LibStat | null): void => done(err, stat ? toStat(stat) : undefined);
      if (watcher) c.exists(path, this.#wrap(watcher), cb);
      else c.exists(path, cb);
    });
  }

  /**
   * Removes `path` (only at `version` unless -1). `recursive` removes the subtree first (not atomic: a child
   * created meanwhile makes it fail with NOT_EMPTY). Returns false when the node did not exist.
   */
  async remove(path: string, opts: { version?: number; recursive?: boolean } = {}): Promise<boolean> {
    if (opts.recursive) {
      for (const child of (await this.getChildren(path)) ?? []) {
        await this.remove(`${path === '/' ? '' : path}/${child}`, { recursive: true });
      }
    }
    try {
      await this.#op<void>('remove', path, (c, done) => c.remove(path, opts.version ?? -1, (err) => done(err)));
      return true;
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return false;
      throw e;
    }
  }

  /** Closes the session (its ephemeral nodes go at once). Idempotent; waits at most about one second. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatchdog();
    const client = this.#client;
    const wasConnected = this.#connected;
    this.#connected = false;
    await new Promise<void>((resolve) => {
      if (!wasConnected) {
        client.close();
        resolve();
        return;
      }
      const timer = setTimeout(resolve, 1000);
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.close();
    });
    this.#listeners.clear();
  }

  #open(): Client {
    const client = zookeeper.createClient(this.connectString, {
      sessionTimeout: this.#sessionTimeoutMs,
      spinDelay: this.#reconnectDelayMs,
      retries: 0,
    });
    // The library keeps the credentials and sends them again on every reconnect.
    if (this.#auth) client.addAuthInfo('digest', this.#auth);
    client.on('state', (s: LibState) => this.#onState(client, s));
    this.#stopWatchdog();
    this.#stopWatchdog = watchConnection(client, {
      handshakeTimeoutMs: this.#handshakeTimeoutMs,
      // Like the Java client: 2/3 of the granted timeout, as pings go out every third of it.
      readTimeoutMs: () => (client.getSessionTimeout() * 2) / 3,
      onStall: (reason) => this.#log.warn('zookeeper connection stalled, reconnecting', { reason }),
    });
    client.connect();
    return client;
  }

  #onState(client: Client, s: LibState): void {
    if (client !== this.#client || this.#closed) return;
    const S = zookeeper.State;
    if (s === S.SYNC_CONNECTED || s === S.CONNECTED_READ_ONLY) {
      const id = client.getSessionId().toString('hex');
      const newSession = id !== this.#sessionId;
      this.#sessionId = id;
      this.#connected = true;
      this.#log.info('zookeeper connected', { session: id, newSession, timeoutMs: client.getSessionTimeout() });
      this.#emit({ type: 'connected', sessionId: id, newSession });
    } else if (s === S.DISCONNECTED) {
      if (!this.#connected) return;
      this.#connected = false;
      this.#log.warn('zookeeper disconnected', { session: this.#sessionId });
      this.#emit({ type: 'disconnected' });
    } else if (s === S.EXPIRED) {
      // The library never reconnects an expired client: open a fresh one; its 'connected' carries newSession=true.
      this.#connected = false;
      this.#log.warn('zookeeper session expired', { session: this.#sessionId });
      this.#client = this.#open();
      this.#emit({ type: 'expired', sessionId: this.#sessionId });
    } else if (s === S.AUTH_FAILED) {
      this.#log.error('zookeeper authentication failed');
    }
  }

  #emit(e: ZkSessionEvent): void {
    for (const cb of [...this.#listeners]) {
      try {
        cb(e);
      } catch (err) {
        this.#log.error('zookeeper session listener threw', { err });
      }
    }
  }

  #wrap(watcher: ZkWatcher): (e: LibEvent) => void {
    let w = this.#wrapped.get(watcher);
    if (!w) {
      // A throwing watcher would run inside the library's socket handler and break the connection: contain it.
      w = (e: LibEvent): void => {
        const event = toWatchEvent(e);
        if (!event || this.#closed) return;
        try {
          watcher(event);
        } catch (err) {
          this.#log.error('zookeeper watcher threw', { err, path: e.getPath() });
        }
      };
      this.#wrapped.set(watcher, w);
    }
    return w;
  }

  /** Resolves when connected (at once if already); rejects with CONNECT_TIMEOUT naming the address after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ZkError('CONNECT_TIMEOUT', `ZooKeeper at ${this.connectString} unreachable: no session within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onSession((e) => {
        if (e.type !== 'connected') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  #op<T>(op: string, path: string, run: (c: Client, done: Done<T>) => void): Promise<T> {
    if (this.#closed) return Promise.reject(new ZkError('CLOSED', `zookeeper ${op} ${path}: client closed`, path));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      // The library queues requests while disconnected without a deadline; ours bounds every call.
      const timer = setTimeout(() => {
        settled = true;
        reject(new ZkError('TIMEOUT', `zookeeper ${op} ${path}: no answer from ${this.connectString} within ${this.#opTimeoutMs} ms`, path));
      }, this.#opTimeoutMs);
      const done: Done<T> = (err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(toZkError(err, op, path));
        else resolve(value as T);
      };
      try {
        run(this.#client, done);
      } catch (e) {
        done(e); // the library validates paths by throwing synchronously
      }
    });
  }
}
