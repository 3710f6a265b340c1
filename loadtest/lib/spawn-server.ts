// Starts a server process (optionally pinned to one CPU) and waits until it is ready to take load.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface SpawnOptions {
  /** Shown in errors and logs. */
  name: string;
  command: string;
  args: string[];
  /** Pin the process (and its threads and children) to this CPU with taskset; undefined = no affinity. */
  core?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * How readiness shows: 'json-line' = a stdout line `{"ready":true,…}` (kateway, bare-server);
   * a number = this TCP port on 127.0.0.1 accepts connections (haproxy).
   */
  ready: 'json-line' | number;
  /** Give up after this many ms. Default 30 s. */
  timeoutMs?: number;
}

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  /** The parsed readiness line (json-line mode), e.g. { ready, ports }. */
  readonly info: Record<string, unknown>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of stderr, for error reports. */
  stderrTail(): string;
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export async function spawnServer(o: SpawnOptions): Promise<RunningServer> {
  const [cmd, args] = o.core === undefined ? [o.command, o.args] : ['taskset', ['-c', String(o.core), o.command, ...o.args]];
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, cwd: o.cwd });
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let info: Record<string, unknown> = {};
  let out = '';
  const readyLine = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          if (j['ready'] === true) {
            info = j;
            resolve();
          }
        } catch {
          // not a JSON line
        }
      }
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
  });
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };
  const failed = exited.then(() => {
    throw new Error(`${o.name} exited before it was ready: ${tail}`);
  });
  try {
    if (o.ready === 'json-line') {
      const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${o.name} not ready in time: ${tail}`)), o.timeoutMs ?? 30_000).unref());
      await Promise.race([readyLine, failed, timer]);
    } else {
      for (;;) {
        if (child.exitCode !== null) await failed;
        if (await portOpen(o.ready)) break;
        if (Date.now() > deadline) throw new Error(`${o.name} did not open port ${o.ready}: ${tail}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (e) {
    await stop(1000);
    throw e;
  }
  failed.catch(() => undefined);
  return { name: o.name, pid: child.pid!, get info() { return info; }, stop, stderrTail: () => tail };
}
