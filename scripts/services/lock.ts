// Cross-process mutex on a directory (mkdir is atomic); a lock whose holder died is taken over.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './proc.js';

/** Runs `fn` while holding the lock `dir`; waits up to `timeoutMs` (installs under the lock can take minutes). */
export async function withLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const unlock = await acquireLock(dir, timeoutMs);
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/**
 * Takes the lock `dir` for this process, waiting up to `timeoutMs`; returns the function that releases it. If the
 * process dies without releasing, the next caller takes the lock over.
 */
export async function acquireLock(dir: string, timeoutMs: number): Promise<() => void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${dir} (held by pid ${holder(dir) ?? '?'})`);
    await sleep(100);
  }
}

function holder(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, 'pid'), 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

function isStale(dir: string): boolean {
  const pid = holder(dir);
  if (pid !== undefined) return !isAlive(pid);
  // No pid yet: the holder may be between mkdir and writeFile; only a long-empty lock is stale.
  try {
    return Date.now() - statSync(dir).mtimeMs > 10_000;
  } catch {
    return false;
  }
}
