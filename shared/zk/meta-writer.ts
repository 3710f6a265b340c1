// Writes tenant metadata into ZooKeeper (layout: meta-layout.ts), for tests, the CLI and the console.
import { AppError, ErrorCode } from '../errors.js';
import { hashSecret } from '../secret-hash.js';
import { assertGroup, assertSubscription, assertTopic, parseMetaApp, type MetaAdmin, type MetaApp, type MetaQuotas } from './meta-layout.js';
import { META_ADMIN, META_APPS, assertNodeName, metaAppPath } from './paths.js';
import type { ZkClient } from './zk-client.js';
import { isZkError } from './zk-error.js';

/** What putApp() takes: an app without its hash (the secret is hashed here); lists default to []. */
export type NewApp = Pick<MetaApp, 'id'> & Partial<Omit<MetaApp, 'id' | 'secretHash' | 'salt'>>;

const badRequest = (e: unknown): AppError => new AppError(ErrorCode.BAD_REQUEST, (e as Error).message);
const MAX_CAS_TRIES = 64;

/**
 * Every change is one node write; edits of an existing app are compare-and-set on its version (retried when
 * another writer got there first), so concurrent writers never lose each other's changes.
 * Bad names throw AppError BAD_REQUEST, a missing app NOT_FOUND; ZooKeeper trouble throws ZkError.
 */
export class MetaWriter {
  readonly #zk: ZkClient;

  constructor(zk: ZkClient) {
    this.#zk = zk;
  }

  /** Creates /_kateway/meta/apps: from then on gateways accept an empty tenant list instead of refusing to start. */
  async init(): Promise<void> {
    await this.#zk.mkdirp(META_APPS);
  }

  /** Creates or replaces the whole app with a fresh salt and hash of `secret`. Returns what was stored. */
  async putApp(app: NewApp, secret: string): Promise<MetaApp> {
    if (!secret) throw new AppError(ErrorCode.BAD_REQUEST, 'an app needs a non-empty secret');
    const rec = this.#validate({
      id: app.id,
      ...hashSecret(secret),
      topics: app.topics ?? [],
      subscriptions: app.subscriptions ?? [],
      groups: app.groups ?? [],
      ...(app.autoCreateTopics !== undefined ? { autoCreateTopics: app.autoCreateTopics } : {}),
      ...(app.quotas ? { quotas: app.quotas } : {}),
    });
    const path = metaAppPath(rec.id);
    const data = JSON.stringify(rec);
    try {
      await this.#zk.create(path, data, { parents: true });
    } catch (e) {
      if (!isZkError(e, 'NODE_EXISTS')) throw e;
      await this.#zk.setData(path, data);
    }
    return rec;
  }

  async getApp(appid: string): Promise<MetaApp | undefined> {
    const node = await this.#zk.getData(this.#path(appid));
    return node && parseMetaApp(node.data, appid);
  }

  /** App ids, sorted. */
  async listApps(): Promise<string[]> {
    return ((await this.#zk.getChildren(META_APPS)) ?? []).sort();
  }

  async removeApp(appid: string): Promise<boolean> {
    return this.#zk.remove(this.#path(appid));
  }

  /** Sets a new secret (fresh salt) and keeps everything else. */
  async setSecret(appid: string, secret: string): Promise<MetaApp> {
    if (!secret) throw new AppError(ErrorCode.BAD_REQUEST, 'an app needs a non-empty secret');
    return this.#update(appid, (a) => ({ ...a, ...hashSecret(secret) }));
  }

  async addTopic(appid: string, topic: string): Promise<MetaApp> {
    return this.#update(appid, (a) => add(a, 'topics', topic, assertTopic));
  }

  async removeTopic(appid: string, topic: string): Promise<MetaApp> {
    return this.#update(appid, (a) => drop(a, 'topics', topic));
  }

  /** Lets `appid` consume `ownerTopic` (`owner.topic`, or `owner.*` for all of owner's topics). */
  async addSubscription(appid: string, ownerTopic: string): Promise<MetaApp> {
    return this.#update(appid, (a) => add(a, 'subscriptions', ownerTopic, assertSubscription));
  }

  async removeSubscription(appid: string, ownerTopic: string): Promise<MetaApp> {
    return this.#update(appid, (a) => drop(a, 'subscriptions', ownerTopic));
  }

  async addGroup(appid: string, group: string): Promise<MetaApp> {
    return this.#update(appid, (a) => add(a, 'groups', group, assertGroup));
  }

  async removeGroup(appid: string, group: string): Promise<MetaApp> {
    return this.#update(appid, (a) => drop(a, 'groups', group));
  }

  /** Replaces the app's quotas; undefined removes them. */
  async setQuota(appid: string, quotas: MetaQuotas | undefined): Promise<MetaApp> {
    return this.#update(appid, (a) => {
      const { quotas: _old, ...rest } = a;
      return quotas ? { ...rest, quotas: { ...quotas } } : rest;
    });
  }

  /** Sets the man API's admin credentials (the secret is hashed with a fresh salt). */
  async setAdmin(secret: string, id = 'admin'): Promise<MetaAdmin> {
    if (!secret) throw new AppError(ErrorCode.BAD_REQUEST, 'the admin needs a non-empty secret');
    try {
      assertNodeName('admin id', id);
    } catch (e) {
      throw badRequest(e);
    }
    const admin: MetaAdmin = { id, ...hashSecret(secret) };
    const data = JSON.stringify(admin);
    try {
      await this.#zk.create(META_ADMIN, data, { parents: true });
    } catch (e) {
      if (!isZkError(e, 'NODE_EXISTS')) throw e;
      await this.#zk.setData(META_ADMIN, data);
    }
    return admin;
  }

  /** Removes the admin node (disables the man API). */
  async removeAdmin(): Promise<boolean> {
    return this.#zk.remove(META_ADMIN);
  }

  #path(appid: string): string {
    try {
      return metaAppPath(appid);
    } catch (e) {
      throw badRequest(e);
    }
  }

  #validate(app: MetaApp): MetaApp {
    try {
      this.#path(app.id);
      return parseMetaApp(JSON.stringify(app), app.id);
    } catch (e) {
      throw e instanceof AppError ? e : badRequest(e);
    }
  }

  async #update(appid: string, change: (app: MetaApp) => MetaApp): Promise<MetaApp> {
    const path = this.#path(appid);
    for (let i = 0; i < MAX_CAS_TRIES; i++) {
      const node = await this.#zk.getData(path);
      if (!node) throw new AppError(ErrorCode.NOT_FOUND, `app ${appid} does not exist`);
      const cur = parseMetaApp(node.data, appid);
      const next = this.#validate(change(cur));
      if (JSON.stringify(next) === JSON.stringify(cur)) return cur;
      try {
        await this.#zk.setData(path, JSON.stringify(next), node.stat.version);
        return next;
      } catch (e) {
        if (!isZkError(e, 'BAD_VERSION')) throw e; // someone else wrote in between: read again
      }
    }
    throw new AppError(ErrorCode.CONFLICT, `app ${appid}: gave up after ${MAX_CAS_TRIES} concurrent updates`, { retriable: true });
  }
}

type ListKey = 'topics' | 'subscriptions' | 'groups';

function add(app: MetaApp, key: ListKey, value: string, check: (s: string) => void): MetaApp {
  try {
    check(value);
  } catch (e) {
    throw badRequest(e);
  }
  return app[key].includes(value) ? app : { ...app, [key]: [...app[key], value] };
}

function drop(app: MetaApp, key: ListKey, value: string): MetaApp {
  return app[key].includes(value) ? { ...app, [key]: app[key].filter((x) => x !== value) } : app;
}
