// Tenant sources that do not change at run time: the embedded demo tenant and a JSON file.
import { readFileSync } from 'node:fs';
import { hashSecret } from '../../shared/secret-hash.js';
import type { AppRecord, TenantSnapshot, TenantSource } from './tenant-source.js';

/** Administrator identity used by the man API. */
export const ADMIN_APPID = 'admin';

class StaticTenantSource implements TenantSource {
  constructor(readonly snapshot: TenantSnapshot) {}
  current(): TenantSnapshot {
    return this.snapshot;
  }
  onChange(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
}

function adminOf(adminKey: string | undefined): TenantSnapshot['admin'] {
  return adminKey ? { id: ADMIN_APPID, ...hashSecret(adminKey) } : undefined;
}

/**
 * The embedded default: one app `demo` that owns every topic name (created on first publish),
 * consumes its own topics with any group name.
 */
export function demoTenantSource(demoKey: string, adminKey?: string): TenantSource {
  const demo: AppRecord = {
    id: 'demo',
    ...hashSecret(demoKey),
    topics: ['*'],
    subscriptions: [],
    groups: ['*'],
    autoCreateTopics: true,
  };
  return new StaticTenantSource({ apps: new Map([[demo.id, demo]]), admin: adminOf(adminKey) });
}

/** JSON file shape: apps with either a clear `secret` (hashed at load, for local setups) or `secretHash` + `salt`. */
interface TenantFile {
  apps: Array<Omit<AppRecord, 'secretHash' | 'salt'> & { secret?: string; secretHash?: string; salt?: string }>;
  admin?: { secret?: string; secretHash?: string; salt?: string };
}

/** Tenants from a JSON file (see README "Tenants"). Throws a clear error when the file is unusable. */
export function fileTenantSource(path: string, adminKey?: string): TenantSource {
  let parsed: TenantFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as TenantFile;
  } catch (e) {
    throw new Error(`cannot read tenant file ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed.apps)) throw new Error(`tenant file ${path}: "apps" must be an array`);
  const apps = new Map<string, AppRecord>();
  for (const a of parsed.apps) {
    const hashed = a.secret !== undefined ? hashSecret(a.secret) : { secretHash: a.secretHash ?? '', salt: a.salt ?? '' };
    if (!a.id || !hashed.secretHash) throw new Error(`tenant file ${path}: app ${a.id ?? '?'} needs id and secret or secretHash`);
    apps.set(a.id, {
      id: a.id,
      ...hashed,
      topics: a.topics ?? [],
      subscriptions: a.subscriptions ?? [],
      groups: a.groups ?? [],
      autoCreateTopics: a.autoCreateTopics ?? false,
      ...(a.quotas ? { quotas: a.quotas } : {}),
    });
  }
  let admin = adminOf(adminKey);
  if (!admin && parsed.admin) {
    admin = parsed.admin.secret !== undefined
      ? { id: ADMIN_APPID, ...hashSecret(parsed.admin.secret) }
      : { id: ADMIN_APPID, secretHash: parsed.admin.secretHash ?? '', salt: parsed.admin.salt ?? '' };
  }
  return new StaticTenantSource({ apps, admin });
}
