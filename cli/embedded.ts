// `kateway start`: the embedded default on one host — the edge proxy on 127.0.0.1:10891 in front of a pool of
// gateways on the shared SQLite file, discovering each other through a registry directory (no ZooKeeper, no Kafka).
import { parseArgs } from 'node:util';
import { startChild, type Child } from './child-process.js';

const DEFAULT_REGISTRY_DIR = '.data/gateways';

export async function runEmbedded(argv: string[]): Promise<void> {
  const { values: f } = parseArgs({
    args: argv,
    options: {
      gateways: { type: 'string' },
      port: { type: 'string' },
      'gateway-port-base': { type: 'string' },
      'registry-dir': { type: 'string' },
      'sqlite-path': { type: 'string' },
    },
    strict: true,
  });
  const REGISTRY_DIR = f['registry-dir'] ?? DEFAULT_REGISTRY_DIR;
  const portBase = Number(f['gateway-port-base'] ?? 9191);
  const sqlite = f['sqlite-path'] ? ['--sqlite-path', f['sqlite-path']] : [];
  const count = Number(f.gateways ?? process.env['KATEWAY_GATEWAYS_COUNT'] ?? 2);
  if (!Number.isInteger(count) || count < 1 || count > 50) throw new Error('--gateways must be 1..50');
  const port = f.port ?? process.env['KATEWAY_PROXY_PORT'] ?? '10891';
  const children: Child[] = [];
  const stopAll = async (): Promise<void> => {
    // The edge first (it drains its clients), then the gateways (they commit and close the store).
    for (const c of [...children].reverse()) {
      c.proc.kill('SIGTERM');
      await c.exited;
    }
  };
  try {
    for (let i = 1; i <= count; i++) {
      // 9191/9192/9193, 9291/9292/9293, ...; a base of 0 lets every gateway pick free ports (tests).
      const base = portBase === 0 ? 0 : portBase + (i - 1) * 100;
      children.push(
        await startChild(`gateway ${i}`, [
          'gateway', '--id', String(i), '--registry-dir', REGISTRY_DIR,
          '--pub-port', String(base), '--sub-port', String(base && base + 1), '--man-port', String(base && base + 2), ...sqlite,
        ]),
      );
    }
    children.push(await startChild('proxy', ['proxy', '--registry-dir', REGISTRY_DIR, '--port', port]));
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (const c of children) {
    void c.exited.then((code) => {
      if (!stopping) process.stderr.write(`kateway: ${c.name} exited (${code})\n`);
    });
  }
  const key = process.env['KATEWAY_DEMO_KEY'] ? '$KATEWAY_DEMO_KEY' : 'demo';
  process.stdout.write(JSON.stringify({ ready: true, proxy: Number(port), gateways: count }) + '\n');
  process.stdout.write(`
kateway is running: edge proxy on http://127.0.0.1:${port} in front of ${count} gateways (embedded SQLite store, .data/).
Demo app: Appid=demo, key=${key === 'demo' ? 'demo' : 'the value of KATEWAY_DEMO_KEY'}
  publish:    curl -i -X POST -H 'Appid: demo' -H 'Pubkey: ${key}' -d 'hello' http://127.0.0.1:${port}/v1/msgs/hello/v1
  subscribe:  curl -i -H 'Appid: demo' -H 'Subkey: ${key}' 'http://127.0.0.1:${port}/v1/msgs/demo/hello/v1?group=g1'
Add a gateway: node dist/cli/kateway.js gateway --id ${count + 1} --registry-dir ${REGISTRY_DIR} --pub-port ${portBase + count * 100} --sub-port ${portBase + count * 100 + 1} --man-port ${portBase + count * 100 + 2}
`);
}
