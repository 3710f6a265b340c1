// Private test servers a test process left behind (it crashed or timed out): each test run keeps a pids folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { isAlive, isOurs, stopPid } from './proc.js';

const runsDir = (): string => join(repoRoot(), '.data', 'runs');

/** Folder where the private-server helpers register the pids they spawn for test run `runPid`. */
export function runPidsDir(runPid: number): string {
  const dir = join(runsDir(), String(runPid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Kills registered processes that still run (only if their cwd is the folder they registered) and removes them. */
async function reap(pidsDir: string): Promise<number> {
  let killed = 0;
  for (const f of readdirSync(pidsDir)) {
    const pid = Number(f);
    let dir = '';
    try {
      dir = readFileSync(join(pidsDir, f), 'utf8');
    } catch {
      continue;
    }
    if (pid && dir && isOurs(pid, dir)) {
      await stopPid(pid, 'SIGKILL');
      killed++;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  rmSync(pidsDir, { recursive: true, force: true });
  return killed;
}

/** Cleans up after test run `runPid` (call at its end). Returns how many leftover processes were killed. */
export function reapRun(runPid: number): Promise<number> {
  const dir = join(runsDir(), String(runPid));
  return existsSync(dir) ? reap(dir) : Promise.resolve(0);
}

/** Cleans up after earlier test runs that died without doing it themselves. */
export async function reapDeadRuns(): Promise<number> {
  if (!existsSync(runsDir())) return 0;
  let killed = 0;
  for (const f of readdirSync(runsDir())) {
    const pid = Number(f);
    if (pid && !isAlive(pid)) killed += await reap(join(runsDir(), f));
  }
  return killed;
}
