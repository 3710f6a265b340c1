// The embedded (ZooKeeper-less) registry: each gateway on this host writes <dir>/<id>.json with its pid.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../errors.js';
import type { GatewayEndpoint } from './gateway-endpoint.js';

/** What a registry file holds: the endpoint plus the pid that proves the gateway is alive. */
export interface DirEntry extends GatewayEndpoint {
  pid: number;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Registers `endpoint` in `dir` (atomically: write then rename) and returns the deregistration. A file of a live
 * process with the same id is a duplicate (409); a file left by a dead process (kill -9) is replaced.
 */
export function registerInDir(dir: string, endpoint: GatewayEndpoint, pid = process.pid): () => Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${endpoint.id}.json`);
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as Partial<DirEntry>;
    if (typeof old.pid === 'number' && old.pid !== pid && pidAlive(old.pid)) {
      throw new AppError(ErrorCode.CONFLICT, `gateway id ${endpoint.id} is already registered by live process ${old.pid}`);
    }
  } catch (e) {
    if (e instanceof AppError) throw e; // otherwise: no file, or an unreadable one we replace
  }
  const tmp = `${file}.${pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...endpoint, pid } satisfies DirEntry));
  renameSync(tmp, file);
  return async () => {
    try {
      const cur = JSON.parse(readFileSync(file, 'utf8')) as Partial<DirEntry>;
      if (cur.pid === pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}
