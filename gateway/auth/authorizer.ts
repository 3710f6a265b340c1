// Who may publish to or consume which topic: decisions over the current tenant snapshot.
import { AppError, ErrorCode } from '../../shared/errors.js';
import { verifySecret } from '../../shared/secret-hash.js';
import type { AppRecord, TenantSnapshot } from './tenant-source.js';

const unauthorized = (msg: string): AppError => new AppError(ErrorCode.UNAUTHORIZED, msg);
const forbidden = (msg: string): AppError => new AppError(ErrorCode.FORBIDDEN, msg);

/** Keys up to this many characters are remembered once verified; longer ones are always hashed. */
const CACHED_KEY_CHARS = 64;

/**
 * Hashing every request's key costs more than the rest of auth together (a SHA-256 object per call), so the last
 * key that verified for an app is kept in memory — the client sends it in clear on every request anyway — and
 * compared first, in constant time (see `sameKey`). The cache is dropped whenever the tenant snapshot changes.
 */
interface VerifiedKey {
  app: AppRecord;
  /** The key, NUL-padded to CACHED_KEY_CHARS: the comparison never reads past its end. */
  padded: string;
  length: number;
}

/**
 * True when `candidate` is the verified key. Always CACHED_KEY_CHARS steps with no early exit and no branch on
 * the characters, so the time reveals neither where the keys differ nor the verified key's length. Plain
 * arithmetic on char codes: cheaper than padding both into Buffers for `crypto.timingSafeEqual` on every request.
 */
function sameKey(candidate: string, known: VerifiedKey): boolean {
  let diff = candidate.length ^ known.length;
  for (let i = 0; i < CACHED_KEY_CHARS; i++) diff |= (candidate.charCodeAt(i) | 0) ^ known.padded.charCodeAt(i);
  return diff === 0;
}

/** Authenticates apps and authorizes their pub/sub/admin calls. Reads the snapshot the source last gave it. */
export class Authorizer {
  #snap: TenantSnapshot;
  readonly #verified = new Map<string, VerifiedKey>();

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
    // Entries belong to the current snapshot (update() empties the cache), so a hit needs no snapshot lookup.
    const cached = this.#verified.get(appid);
    if (cached !== undefined && sameKey(key, cached)) return cached.app;
    const app = this.#snap.apps.get(appid);
    if (!app || !verifySecret(app, key)) throw unauthorized('authentication fails');
    if (key.length <= CACHED_KEY_CHARS) this.#verified.set(appid, { app, padded: key.padEnd(CACHED_KEY_CHARS, '\0'), length: key.length });
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
