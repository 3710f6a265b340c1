// Who may publish to or consume which topic: decisions over the current tenant snapshot.
import { AppError, ErrorCode } from '../../shared/errors.js';
import { timingSafeEqual } from 'node:crypto';
import { verifySecret } from '../../shared/secret-hash.js';
import type { AppRecord, TenantSnapshot } from './tenant-source.js';

const unauthorized = (msg: string): AppError => new AppError(ErrorCode.UNAUTHORIZED, msg);
const forbidden = (msg: string): AppError => new AppError(ErrorCode.FORBIDDEN, msg);

/** Authenticates apps and authorizes their pub/sub/admin calls. Reads the snapshot the source last gave it. */
/** Keys up to this many bytes are remembered once verified; longer ones are always hashed. */
const CACHED_KEY_BYTES = 64;

/**
 * Hashing every request's key costs more than the rest of auth together (a SHA-256 object per call), so the last
 * key that verified for an app is kept in memory — the client sends it in clear on every request anyway — and
 * compared first. The comparison is constant-time over a fixed 64-byte padded buffer, so it reveals neither where
 * the keys differ nor the key's length. The cache is dropped whenever the tenant snapshot changes.
 */
interface VerifiedKey {
  app: AppRecord;
  padded: Buffer;
  length: number;
}

export class Authorizer {
  #snap: TenantSnapshot;
  readonly #verified = new Map<string, VerifiedKey>();
  readonly #scratch = Buffer.alloc(CACHED_KEY_BYTES);

  constructor(snapshot: TenantSnapshot) {
    this.#snap = snapshot;
  }

  update(snapshot: TenantSnapshot): void {
    this.#snap = snapshot;
    this.#verified.clear();
  }

  /** The app whose secret is `key`; 401 otherwise (same answer for unknown app and wrong key). */
  authenticate(appid: string | undefined, key: string | undefined): AppRecord {
    if (!appid || !key) throw unauthorized('auth with empty identity or key');
    const app = this.#snap.apps.get(appid);
    if (!app) throw unauthorized('authentication fails');
    const length = Buffer.byteLength(key);
    const cached = this.#verified.get(appid);
    if (cached && cached.app === app && length <= CACHED_KEY_BYTES) {
      this.#scratch.fill(0);
      this.#scratch.write(key);
      // Both operands are always evaluated: no early exit on the length check.
      if (timingSafeEqual(this.#scratch, cached.padded) && length === cached.length) return app;
    }
    if (!verifySecret(app, key)) throw unauthorized('authentication fails');
    if (length <= CACHED_KEY_BYTES) {
      const padded = Buffer.alloc(CACHED_KEY_BYTES);
      padded.write(key);
      this.#verified.set(appid, { app, padded, length });
    }
    return app;
  }

  /** 403 unless `app` owns `topic`. */
  authorizePublish(app: AppRecord, topic: string): void {
    if (!ownsTopic(app, topic)) throw forbidden(`app ${app.id} does not own topic ${topic}`);
  }

  /** 403 unless `app` may consume `owner`'s `topic` with `group`. */
  authorizeSubscribe(app: AppRecord, owner: string, topic: string, group: string): void {
    const allowed =
      owner === app.id
        ? ownsTopic(app, topic)
        : app.subscriptions.includes(`${owner}.${topic}`) || app.subscriptions.includes(`${owner}.*`);
    if (!allowed) throw forbidden(`app ${app.id} is not subscribed to ${owner}.${topic}`);
    if (!app.groups.includes('*') && !app.groups.includes(group)) {
      throw forbidden(`group ${group} must be registered before use`);
    }
  }

  /** 401/403 unless the credentials are the admin's. */
  authenticateAdmin(appid: string | undefined, key: string | undefined): void {
    const admin = this.#snap.admin;
    if (!admin) throw forbidden('admin API disabled: no admin key configured');
    if (!appid || !key) throw unauthorized('auth with empty identity or key');
    if (appid !== admin.id || !verifySecret(admin, key)) throw unauthorized('authentication fails');
  }
}

function ownsTopic(app: AppRecord, topic: string): boolean {
  return app.topics.includes('*') || app.topics.includes(topic);
}
