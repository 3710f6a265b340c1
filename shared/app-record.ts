// One tenant application as every part sees it: identity, hashed secret, permissions, quotas.

/** Per-app quotas, enforced by the edge proxy. */
export interface AppQuotas {
  requestsPerSec?: number;
  bytesPerSec?: number;
}

/** One application (tenant). The secret is never stored in clear: only a salted SHA-256 hash (shared/secret-hash.ts). */
export interface AppRecord {
  id: string;
  /** hex(sha256(salt || secret)) */
  secretHash: string;
  /** hex salt */
  salt: string;
  /** Topics this app owns, as `topic` names (any version). '*' = any topic name (demo mode). */
  topics: string[];
  /** Topics of other apps this app may consume, as `owner.topic` (version-independent); `owner.*` = all of owner's. */
  subscriptions: string[];
  /** Registered consumer groups; '*' allows any group name. */
  groups: string[];
  /** May create its own topics by publishing to them (demo mode only). */
  autoCreateTopics?: boolean;
  quotas?: AppQuotas;
}
