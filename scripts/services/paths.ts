// Where dev/test infrastructure keeps its files: state under .data/infra, downloads under .cache (both git-ignored).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portOffset } from './ports.js';

/** The repository root: the nearest folder above this file that holds package.json (works from dist/ and source). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * State of the shared services (pid files, configs, data, logs): `.data/infra/<service>`, or `.data/infra-<offset>/`
 * for the separate set a KATEWAY_INFRA_PORT_OFFSET selects.
 */
export function infraDir(service: string): string {
  const offset = portOffset();
  const base = join(repoRoot(), '.data', offset ? `infra-${offset}` : 'infra');
  // Real path: processes are told apart by their /proc cwd (see isOurs), and a git worktree may link this folder to
  // the main checkout's.
  return join(existsSync(base) ? realpathSync(base) : base, service);
}

/** Cached downloads (Kafka jars, the Maven repository): `.cache/<name>`. */
export function cacheDir(name: string): string {
  return join(repoRoot(), '.cache', name);
}
