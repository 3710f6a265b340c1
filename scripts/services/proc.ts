// Process primitives for services: spawn with output to a log file, identify our pids by cwd, stop, tail logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What to run; `cwd` doubles as the identity of the process (see `isOurs`). */
export interface LaunchSpec {
  cmd: string;
  args: string[];
  cwd: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process. `detached` ones outlive the caller (shared services started by `infra up` or run-tests);
 * attached ones are children of a test process (private instances).
 */
export function launch(spec: LaunchSpec, detached: boolean): ChildProcess {
  // A marker per start, so the tail shown after a failure is clearly this start's output.
  appendFileSync(spec.logFile, `=== ${new Date().toISOString()} starting: ${spec.cmd} ${spec.args.join(' ')}\n`);
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.cmd, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', fd, fd],
      detached,
    });
    // Report a missing binary (ENOENT) through the log so readiness failures show it.
    child.on('error', (err) => process.stderr.write(`cannot start ${spec.cmd}: ${err.message}\n`));
    // A member that dies before it logs anything (once seen: three fresh brokers gone within 0.4 s, no output) leaves
    // at least its exit code or signal in the tail shown with the failure.
    child.once('exit', (code, signal) => {
      try {
        appendFileSync(spec.logFile, `=== ${new Date().toISOString()} exited: code ${code} signal ${signal}\n`);
      } catch {
        // the log's folder may be gone (a fresh start wiped it)
      }
    });
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** True if `pid` is a live process (zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * True if `pid` is alive and runs in a folder under `dirPrefix`. Pids are reused by the OS, and Redis rewrites its
 * command line, so the working directory is what tells our processes apart.
 */
export function isOurs(pid: number, dirPrefix: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(dirPrefix);
  } catch {
    return false;
  }
}

/** Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs and waits again. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (!signalPid(pid, signal)) return;
  if (await waitGone(pid, graceMs)) return;
  signalPid(pid, 'SIGKILL');
  if (!(await waitGone(pid, 5_000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/** The last `lines` lines of a log file, for error messages ('' if there is no such file). */
export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

/** Runs a command to completion, capturing output; rejects with the output on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.split('\n').slice(-40).join('\n')}`));
    });
  });
}
