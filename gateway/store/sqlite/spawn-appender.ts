// Test harness: runs append-child.js in its own process and collects the positions it acknowledged.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Appender {
  readonly child: ChildProcess;
  /** Acknowledged messages: `partition:offset` → value. */
  readonly acks: Map<string, string>;
  /** Resolves when at least `n` messages were acknowledged; rejects if the process ends first. */
  acked(n: number): Promise<void>;
  /** Resolves once the process exited and all of its stdout was read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const script = fileURLToPath(new URL('./append-child.js', import.meta.url));

/** Starts an appender; `args` are append-child.js flags without the leading dashes. */
export function spawnAppender(args: Record<string, string | number>): Appender {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acks = new Map<string, string>();
  const watchers: Array<{ n: number; resolve(): void; reject(e: Error): void }> = [];
  let ended = false;

  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const [partition, offset, value] = line.split(' ');
    if (partition === 'done' || value === undefined) return;
    const key = `${partition}:${offset}`;
    if (acks.has(key)) throw new Error(`position ${key} acknowledged twice`);
    acks.set(key, value);
    for (let i = watchers.length - 1; i >= 0; i--) {
      if (acks.size >= watchers[i]!.n) watchers.splice(i, 1)[0]!.resolve();
    }
  });
  const linesClosed = new Promise<void>((resolve) => lines.once('close', resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  ).then(async (result) => {
    await linesClosed;
    ended = true;
    for (const w of watchers.splice(0)) w.reject(new Error(`appender exited (${result.code ?? result.signal}) after ${acks.size} acks`));
    return result;
  });

  return {
    child,
    acks,
    exited,
    acked: (n) =>
      new Promise<void>((resolve, reject) => {
        if (acks.size >= n) resolve();
        else if (ended) reject(new Error(`appender exited after ${acks.size} acks`));
        else watchers.push({ n, resolve, reject });
      }),
  };
}
