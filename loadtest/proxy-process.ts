// Runs the kateway proxy (proxy/main.ts startProxy) in front of fixed gateways, for benchmarks: one process or a cluster.
//
// Usage: node dist/loadtest/proxy-process.js --port P --gateway pubPort:subPort:manPort [--gateway …] [--workers N]
//        [--connections-per-host N] [--max-inflight-per-host N] [--connect-timeout-ms N]
// Gateways are on 127.0.0.1. --workers 0 serves in this process; N ≥ 1 forks N node:cluster workers sharing the port
// (the proxy config's documented default is one per core). Prints {"ready":true,"ports":{"http":P},"workers":[pids]}.
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import type { GatewayEndpoint } from '../shared/discovery/gateway-endpoint.js';
import { workerExecArgv } from '../proxy/cluster.js';
import { resolveProxyConfig } from '../proxy/config.js';

const { values: a } = parseArgs({
  options: {
    port: { type: 'string', default: '10891' },
    gateway: { type: 'string', multiple: true, default: [] },
    workers: { type: 'string', default: '0' },
    'connections-per-host': { type: 'string' },
    'max-inflight-per-host': { type: 'string' },
    'connect-timeout-ms': { type: 'string' },
  },
});
const port = Number(a.port);
const workers = Number(a.workers);

function endpoints(): GatewayEndpoint[] {
  return a.gateway!.map((g, i) => {
    const [pub, sub, man] = g.split(':');
    const addr = (p: string | undefined): string => (p ? `127.0.0.1:${p}` : '');
    return { id: `gw${i + 1}`, zone: 'bench', host: '127.0.0.1', pub: addr(pub), sub: addr(sub), man: addr(man), cpu: 1, ver: 'bench', startedAt: 0 };
  });
}

async function serve(): Promise<void> {
  // Loaded only where the proxy serves: the cluster primary stays small (it counts in the memory check's sum).
  const [{ StaticGatewaySource }, { createLogger }, { startProxy }] = await Promise.all([
    import('../shared/discovery/static-gateway-source.js'),
    import('../shared/log.js'),
    import('../proxy/main.js'),
  ]);
  const source = new StaticGatewaySource(endpoints());
  const upstream: Record<string, number> = {};
  if (a['connections-per-host']) upstream['connectionsPerHost'] = Number(a['connections-per-host']);
  if (a['max-inflight-per-host']) upstream['maxInflightPerHost'] = Number(a['max-inflight-per-host']);
  if (a['connect-timeout-ms']) upstream['connectTimeoutMs'] = Number(a['connect-timeout-ms']);
  const proxy = await startProxy(
    { listeners: [{ port, host: '127.0.0.1' }], upstream, workers: 0 },
    { source, logger: createLogger({ svc: 'proxy', pid: process.pid }, 'warn') },
  );
  const stop = (): void => void proxy.close().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (cluster.isWorker) process.send?.({ ready: true });
  else process.stdout.write(JSON.stringify({ ready: true, ports: { http: proxy.address.port }, workers: [process.pid] }) + '\n');
}

async function primary(): Promise<void> {
  const pids: number[] = [];
  // The workers get the proxy's documented worker flags, as `kateway proxy` gives them (proxy/cluster.ts).
  cluster.setupPrimary({ execArgv: workerExecArgv(resolveProxyConfig({ workers })) });
  await Promise.all(
    Array.from({ length: workers }, () => {
      const w = cluster.fork();
      pids.push(w.process.pid!);
      return new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('exit', (code) => reject(new Error(`proxy worker exited ${code}`)));
      });
    }),
  );
  const stop = (): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 100).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(JSON.stringify({ ready: true, ports: { http: port }, workers: pids }) + '\n');
}

const main = workers > 0 && cluster.isPrimary ? primary : serve;
main().catch((e: unknown) => {
  process.stderr.write(`proxy-process: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
