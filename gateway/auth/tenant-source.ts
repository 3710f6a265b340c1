// The tenant seam: apps, secrets, topic ownership, subscriptions, groups, from a file, the embedded demo or ZooKeeper.
import type { AppRecord } from '../../shared/app-record.js';

export type { AppRecord } from '../../shared/app-record.js';

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
