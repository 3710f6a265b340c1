// Starts a kateway subcommand as a child process and waits for its JSON readiness line on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./kateway.js', import.meta.url));

export interface Child {
  name: string;
  proc: ChildProcess;
  ready: Record<string, unknown>;
  exited: Promise<number | null>;
}

/** Runs `kateway <args>`; its stderr (logs) goes to ours; rejects if it exits before it is ready. */
export async function startChild(name: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const proc = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg['ready']) resolve(msg);
      } catch {
        // a log line, not the readiness line
      }
    });
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  return { name, proc, ready, exited };
}
