// Installs the Debian packages the services and tests need, once, and only when something is missing.
import { spawn, spawnSync } from 'node:child_process';
import { createLogger } from '../../shared/log.js';

const log = createLogger({ component: 'apt' });

/** Packages every test run may use: servers (ZooKeeper, Redis, HAProxy) and client/load tools (kcat, wrk). */
export const SYSTEM_PACKAGES = ['zookeeper', 'redis-server', 'haproxy', 'kcat', 'wrk'] as const;

/** Commands the Kafka broker needs, with the package that provides each when it is missing. */
const TOOL_PACKAGES: Record<string, string> = { java: 'default-jre-headless', mvn: 'maven' };

/** True if dpkg reports `pkg` as installed. */
export function isInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The packages (of SYSTEM_PACKAGES and the Java/Maven toolchain) not installed yet. */
export function missingPackages(): string[] {
  const missing: string[] = SYSTEM_PACKAGES.filter((p) => !isInstalled(p));
  for (const [cmd, pkg] of Object.entries(TOOL_PACKAGES)) if (!hasCommand(cmd)) missing.push(pkg);
  return missing;
}

/**
 * One `apt-get update` and one `apt-get install -y` of everything missing; nothing at all when all is there.
 * Waits for a dpkg lock held by another apt run instead of failing.
 */
export async function ensureSystemPackages(): Promise<void> {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const started = Date.now();
  log.info('installing missing packages', { packages: missing });
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  await aptGet(['update', '-q', ...lockWait]);
  await aptGet(['install', '-y', '-q', ...lockWait, ...missing]);
  const still = missingPackages();
  if (still.length > 0) throw new Error(`apt-get finished but these are still missing: ${still.join(', ')}`);
  log.info('packages installed', { packages: missing, ms: Date.now() - started });
}

function aptGet(args: string[]): Promise<void> {
  const root = process.getuid?.() === 0;
  if (!root && !hasCommand('sudo')) {
    return Promise.reject(new Error(`not root and no sudo: install these packages by hand: apt-get ${args.join(' ')}`));
  }
  const [cmd, argv] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
  return new Promise((resolve, reject) => {
    // apt's progress goes to our stderr so a slow CI step shows what it is doing.
    const child = spawn(cmd, argv, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`))));
  });
}
