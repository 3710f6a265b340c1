// Runs `kateway gateway` as a real child process (for kill -9 and SIGTERM tests) and reads its readiness line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const CLI = fileURLToPath(new URL('../../cli/kateway.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  ports: { pub: number; sub: number; man: number };
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  stderr(): string;
}

export async function spawnGateway(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [CLI, 'gateway', '--pub-port', '0', '--sub-port', '0', '--man-port', '0', ...args], {
    env: { ...process.env, KATEWAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<GatewayProcess['ports']>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; ports?: GatewayProcess['ports'] };
        if (msg.ready && msg.ports) resolve(msg.ports);
      } catch {
        // not the readiness line
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before it was ready: ${err.slice(-2000)}`)));
  });
  const ports = await ready;
  return { child, ports, exited, stderr: () => err };
}
