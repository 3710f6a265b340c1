// A server process owned by one test: start on free ports, stop/kill/restart on the same port and data, clean up.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../../scripts/services/net.js';
import { launch, tail, type LaunchSpec } from '../../scripts/services/proc.js';

/** A running private instance. Every method waits for the process to finish what it was asked. */
export interface PrivateServer {
  /** `127.0.0.1:<port>`, what a client connects to. */
  readonly connectString: string;
  readonly port: number;
  /** Folder with config, data and logs (removed by `close`). */
  readonly dir: string;
  /** True between a (re)start and a stop/kill. */
  readonly running: boolean;
  /** Graceful stop (SIGTERM), waits for exit; data is kept for `restart`. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; data is kept for `restart`. */
  kill(): Promise<void>;
  /** Starts again on the same port with the same data (stops first if running); resolves once it is ready. */
  restart(): Promise<void>;
  /** Stops and deletes `dir`; idempotent. Call it in `after()`. */
  close(): Promise<void>;
}

/** One attempt's configuration: ports are chosen per attempt, so a port taken meanwhile just means another try. */
export interface Configured {
  port: number;
  launch: LaunchSpec;
  ready: () => Promise<boolean>;
  logFiles: string[];
}

export interface PrivateServerSpec {
  name: string;
  readyTimeoutMs: number;
  /** Allocates ports and writes config into `dir` (called again if the first start fails). */
  configure(dir: string): Promise<Configured>;
}

// Children still running when the test process exits are killed here: a test that forgets close() (or fails
// before it) must not leave servers behind. The registry is only for this last-resort cleanup.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Records the pid where run-tests looks for leftovers (if run under it), so a crashed test leaks nothing. */
function registerPid(pid: number, dir: string): () => void {
  const pidsDir = process.env.KATEWAY_TEST_PIDS_DIR;
  if (!pidsDir) return () => undefined;
  const file = join(pidsDir, String(pid));
  try {
    writeFileSync(file, dir);
  } catch {
    return () => undefined;
  }
  return () => rmSync(file, { force: true });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

class ChildServer implements PrivateServer {
  #child: ChildProcess | undefined;
  #unregister: () => void = () => undefined;
  #closed = false;

  constructor(
    private readonly spec: PrivateServerSpec,
    readonly dir: string,
    private readonly cfg: Configured,
  ) {}

  get port(): number {
    return this.cfg.port;
  }
  get connectString(): string {
    return `127.0.0.1:${this.cfg.port}`;
  }
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Launches and waits until ready; on failure the process is killed and the error carries the log tails. */
  async start(): Promise<void> {
    const child = launch(this.cfg.launch, false);
    this.#child = child;
    live.add(child);
    if (child.pid !== undefined) this.#unregister = registerPid(child.pid, this.dir);
    const gone = (): string | undefined =>
      child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : undefined;
    try {
      await pollUntil(this.cfg.ready, `private ${this.spec.name} on port ${this.port}`, this.spec.readyTimeoutMs, 50, gone);
    } catch (err) {
      await this.#signal('SIGKILL');
      const logs = this.cfg.logFiles.map((f) => `--- tail of ${f} ---\n${tail(f, 30)}`).join('\n');
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
  }

  async #signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill(sig);
    // A JVM may ignore SIGTERM while busy: escalate after 20 s rather than hang the test.
    const timer = sig === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited(child);
    clearTimeout(timer);
    live.delete(child);
    this.#unregister();
    this.#child = undefined;
  }

  stop(): Promise<void> {
    return this.#signal('SIGTERM');
  }
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }
  async restart(): Promise<void> {
    if (this.#closed) throw new Error(`private ${this.spec.name} is closed`);
    await this.stop();
    await this.start();
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a private server in a new temp folder; retries (new ports) up to 3 times if the process dies early. */
export async function startPrivateServer(spec: PrivateServerSpec): Promise<PrivateServer> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), `kateway-${spec.name}-`));
    const server = new ChildServer(spec, dir, await spec.configure(dir));
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err as Error;
      await server.close();
      if (!/exited/.test(lastError.message)) break;
    }
  }
  throw lastError ?? new Error(`private ${spec.name} failed to start`);
}

