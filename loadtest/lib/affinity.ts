// Moves a running process (all its threads) onto a CPU list with taskset, or back onto every CPU.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** `cpuList` like "1" or "0-1"; undefined = every CPU. Throws when taskset fails. */
export function setAffinity(pid: number, cpuList: string | undefined): void {
  const list = cpuList ?? `0-${cpus().length - 1}`;
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}
