// TenantSource over /_kateway/meta in ZooKeeper (layout: shared/zk/meta-layout.ts), with watches and a file cache.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/log.js';
import { ChildrenWatch } from '../../shared/zk/children-watch.js';
import { parseMetaAdmin, parseMetaApp } from '../../shared/zk/meta-layout.js';
import { META_ADMIN, META_APPS, metaAppPath } from '../../shared/zk/paths.js';
import type { ZkClient, ZkWatchEvent } from '../../shared/zk/zk-client.js';
import type { AppRecord, TenantSnapshot, TenantSource } from './tenant-source.js';

export interface ZkTenantSourceOptions {
  /** A client owned by the caller; it may still be connecting (ZkClient.open) so start() can fall back to the cache. */
  zk: ZkClient;
  /**
   * File that receives every good snapshot (JSON, mode 0600, hashes only) and is served at start when ZooKeeper is
   * unreachable or has no metadata. Optional: without it such a start fails.
   */
  cacheFile?: string;
  /** How long start() waits for ZooKeeper before falling back to the cache, ms. Default 5000. */
  startTimeoutMs?: number;
  log?: Logger;
}

export type TenantOrigin = 'zookeeper' | 'cache';

interface CacheFile {
  savedAt: number;
  apps: AppRecord[];
  admin: TenantSnapshot['admin'] | null;
}

const READ_CONCURRENCY = 32;

/**
 * Start: wait for ZooKeeper, read /_kateway/meta/apps, every app and the admin node, and arm a watch on each. Then
 * every change re-reads what changed (all nodes after a reconnect) and publishes one new snapshot. A snapshot
 * is only published after a complete read, so a failed read or an outage keeps the last good one; an app node
 * that stops parsing keeps its last good version (with a warning); a missing /apps node never wipes the tenants.
 */
export class ZkTenantSource implements TenantSource {
  readonly #zk: ZkClient;
  readonly #log: Logger;
  readonly #cacheFile: string | undefined;
  readonly #subs = new Set<(s: TenantSnapshot) => void>();
  readonly #watch: ChildrenWatch;
  readonly #offSession: () => void;
  readonly #apps = new Map<string, AppRecord>();
  readonly #stale = new Set<string>();
  readonly #watchers = new Map<string, (e: ZkWatchEvent) => void>();
  #adminStale = true;
  #admin: TenantSnapshot['admin'] = undefined;
  #allStale = false;
  #loaded = false;
  #origin: TenantOrigin = 'zookeeper';
  #snap: TenantSnapshot = { apps: new Map(), admin: undefined };
  #saving: Promise<void> = Promise.resolve();

  /**
   * Resolves with a source serving ZooKeeper's tenants, or the cached copy (`origin` 'cache') when ZooKeeper is
   * unreachable or has no /_kateway/meta/apps. Rejects when there is neither (it keeps nothing running then).
   */
  static async start(opts: ZkTenantSourceOptions): Promise<ZkTenantSource> {
    const src = new ZkTenantSource(opts);
    let why: string;
    try {
      await opts.zk.waitConnected(opts.startTimeoutMs ?? 5000);
      await src.#watch.start();
      if (src.#loaded) return src;
      why = `ZooKeeper at ${opts.zk.connectString} has no tenant metadata (${META_APPS} does not exist; create it with MetaWriter.init())`;
    } catch (e) {
      why = `cannot load tenants from ZooKeeper: ${(e as Error).message}`;
    }
    const cached = opts.cacheFile ? await loadCache(opts.cacheFile, src.#log) : undefined;
    if (cached) {
      src.#origin = 'cache';
      src.#snap = cached.snap;
      src.#log.warn('serving tenants from the cache file until ZooKeeper answers', {
        reason: why,
        file: opts.cacheFile,
        savedAt: new Date(cached.savedAt).toISOString(),
        apps: cached.snap.apps.size,
      });
      return src;
    }
    await src.close();
    throw new AppError(ErrorCode.INTERNAL, `${why}; and no cached copy${opts.cacheFile ? ` in ${opts.cacheFile}` : ' (no cacheFile set)'}`, {
      retriable: true,
    });
  }

  private constructor(opts: ZkTenantSourceOptions) {
    this.#zk = opts.zk;
    this.#cacheFile = opts.cacheFile;
    this.#log = (opts.log ?? silentLogger).child({ tenants: META_APPS });
    // Subscribed before the ChildrenWatch so the flag is set before its refresh reads anything.
    this.#offSession = opts.zk.onSession((e) => {
      if (e.type === 'connected') this.#allStale = true; // watches may be gone (new session) or reads failed
    });
    this.#watch = new ChildrenWatch({ zk: opts.zk, path: META_APPS, onChildren: (ids, exists) => this.#sync(ids, exists), log: this.#log });
  }

  current(): TenantSnapshot {
    return this.#snap;
  }

  onChange(cb: (snap: TenantSnapshot) => void): () => void {
    this.#subs.add(cb);
    return () => this.#subs.delete(cb);
  }

  /** 'cache' until the first complete read from ZooKeeper after a start from the cache file. */
  get origin(): TenantOrigin {
    return this.#origin;
  }

  /** False while ZooKeeper is unreachable: the snapshot is the last good one. */
  get connected(): boolean {
    return this.#zk.connected;
  }

  async close(): Promise<void> {
    this.#subs.clear();
    this.#offSession();
    await this.#watch.close();
    await this.#saving;
  }

  /** One serialized pass (ChildrenWatch runs one at a time): reconcile the listing, re-read what is stale. */
  async #sync(ids: string[], exists: boolean): Promise<void> {
    if (!exists) {
      this.#log.error(`${META_APPS} does not exist; keeping the last tenant snapshot`);
      return;
    }
    if (this.#allStale) {
      this.#allStale = false;
      for (const id of this.#apps.keys()) this.#stale.add(id);
      this.#adminStale = true;
    }
    const listed = new Set(ids);
    let changed = !this.#loaded;
    for (const id of [...this.#apps.keys()]) {
      if (listed.has(id)) continue;
      this.#apps.delete(id);
      this.#watchers.delete(id);
      this.#stale.delete(id);
      changed = true;
    }
    const toRead = ids.filter((id) => !this.#apps.has(id) || this.#stale.has(id));
    for (const id of toRead) this.#stale.add(id); // cleared only by a successful read
    let failure: unknown;
    await forEachLimited(toRead, READ_CONCURRENCY, async (id) => {
      try {
        if (await this.#readApp(id)) changed = true;
      } catch (e) {
        failure ??= e;
      }
    });
    if (this.#adminStale) {
      try {
        if (await this.#readAdmin()) changed = true;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure; // the ChildrenWatch retries; stale marks stay
    this.#loaded = true;
    if (changed || this.#origin === 'cache') this.#publish();
  }

  /** Reads one app and re-arms its data watch. Returns whether the snapshot changed. */
  async #readApp(id: string): Promise<boolean> {
    const node = await this.#zk.getData(metaAppPath(id), this.#watcherFor(id));
    this.#stale.delete(id);
    const old = this.#apps.get(id);
    if (!node) {
      this.#apps.delete(id);
      return old !== undefined;
    }
    let app: AppRecord;
    try {
      app = parseMetaApp(node.data, id);
    } catch (err) {
      this.#log.warn('invalid app node; keeping its last good version', { app: id, version: node.stat.version, err, kept: !!old });
      return false;
    }
    if (old && JSON.stringify(old) === JSON.stringify(app)) return false;
    this.#apps.set(id, Object.freeze(app));
    return true;
  }

  async #readAdmin(): Promise<boolean> {
    const w = this.#adminWatcher;
    // exists() arms a watch whether or not the node is there, so its later creation is seen too.
    const stat = await this.#zk.exists(META_ADMIN, w);
    const node = stat ? await this.#zk.getData(META_ADMIN, w) : undefined;
    this.#adminStale = false;
    let admin: TenantSnapshot['admin'] = undefined;
    if (node) {
      try {
        admin = Object.freeze(parseMetaAdmin(node.data));
      } catch (err) {
        this.#log.warn('invalid admin node; keeping the last good one', { err });
        return false;
      }
    }
    if (JSON.stringify(admin) === JSON.stringify(this.#admin)) return false;
    this.#admin = admin;
    return true;
  }

  readonly #adminWatcher = (): void => {
    this.#adminStale = true;
    this.#watch.refresh();
  };

  /** One stable function per app: ZooKeeper then keeps one watch per app however often it is re-armed. */
  #watcherFor(id: string): (e: ZkWatchEvent) => void {
    let w = this.#watchers.get(id);
    if (!w) {
      w = () => {
        this.#stale.add(id);
        this.#watch.refresh();
      };
      this.#watchers.set(id, w);
    }
    return w;
  }

  #publish(): void {
    this.#origin = 'zookeeper';
    const apps = new Map([...this.#apps.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.#snap = Object.freeze({ apps, admin: this.#admin });
    this.#log.info('tenants updated', { apps: apps.size, admin: this.#admin !== undefined });
    for (const cb of [...this.#subs]) {
      try {
        cb(this.#snap);
      } catch (err) {
        this.#log.error('tenant subscriber threw', { err });
      }
    }
    if (this.#cacheFile) {
      const file = this.#cacheFile;
      const body: CacheFile = { savedAt: Date.now(), apps: [...apps.values()], admin: this.#admin ?? null };
      this.#saving = this.#saving.then(() => saveCache(file, body)).catch((err) => this.#log.warn('cannot write tenant cache', { file, err }));
    }
  }
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function saveCache(file: string, body: CacheFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
  await rename(tmp, file); // atomic: a crash mid-write never leaves a torn cache
}

async function loadCache(file: string, log: Logger): Promise<{ snap: TenantSnapshot; savedAt: number } | undefined> {
  let body: CacheFile;
  try {
    body = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('unusable tenant cache file', { file, err });
    return undefined;
  }
  try {
    if (!Array.isArray(body.apps)) throw new Error('"apps" must be an array');
    const apps = new Map<string, AppRecord>();
    for (const a of body.apps) {
      const id = (a as { id?: unknown }).id;
      const app = parseMetaApp(JSON.stringify(a), typeof id === 'string' ? id : '');
      apps.set(app.id, Object.freeze(app));
    }
    const admin = body.admin ? Object.freeze(parseMetaAdmin(JSON.stringify(body.admin))) : undefined;
    return { snap: Object.freeze({ apps, admin }), savedAt: Number(body.savedAt) || 0 };
  } catch (err) {
    log.warn('unusable tenant cache file', { file, err });
    return undefined;
  }
}
