// The tenant seam: apps, secrets, topic ownership, subscriptions, groups. File/embedded now, ZooKeeper (meta) later.

/** One application (tenant). The secret is never stored in clear: only a salted SHA-256 hash. */
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
  /** Optional per-app quotas (used by the edge proxy). */
  quotas?: { requestsPerSec?: number; bytesPerSec?: number };
}

/** A consistent view of all tenants, replaced as a whole on every change. */
export interface TenantSnapshot {
  apps: ReadonlyMap<string, AppRecord>;
  /** Admin credentials for the man API (create topic...), same hashing as apps. */
  admin?: { id: string; secretHash: string; salt: string } | undefined;
}

export interface TenantSource {
  /** The current snapshot; never blocks (a ZooKeeper source serves its last good copy when unreachable). */
  current(): TenantSnapshot;
  /** Called with every new snapshot. Returns an unsubscribe function. */
  onChange(cb: (snap: TenantSnapshot) => void): () => void;
  close(): Promise<void>;
}
