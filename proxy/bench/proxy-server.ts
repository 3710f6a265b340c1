// Bench entry: the real proxy (runProxy, node:cluster) in front of bench backends given as ports.
import { silentLogger } from '../../shared/log.js';
import { runProxy } from '../cluster.js';
import type { PolicyName } from '../balancer/registry.js';
import { StaticGatewaySource } from '../../shared/discovery/static-gateway-source.js';

// usage: proxy-server.js <listenPort> <workers> <pubPolicy> <backendPort>[,<backendPort>...] [native|undici] [limits|redis-limits]
//   limits: per-Appid and per-Appid+topic buckets far above the offered load (every request checked, none refused);
//   redis-limits: the same shared through Redis at 127.0.0.1:6379.
const [port, workers, policy, backends, client, limits] = process.argv.slice(2);
const generous = { requestsPerSec: 1e9, bytesPerSec: 1e12 };
const gateways = (backends ?? '18101').split(',').map((p, i) => {
  const a = `127.0.0.1:${p}`;
  return { id: `g${i + 1}`, zone: 'bench', host: '127.0.0.1', pub: a, sub: a, man: a, cpu: 1, ver: 'bench', startedAt: 0 };
});

await runProxy({
  loadOptions: () => ({
    workers: Number(workers ?? 1),
    listeners: [{ host: '127.0.0.1', port: Number(port ?? 18001) }],
    balancing: { pub: (policy ?? 'p2c') as PolicyName },
    upstream: { client: client === 'undici' ? 'undici' : 'native' },
    ...(limits
      ? { rateLimit: { perApp: generous, perAppTopic: generous, ...(limits === 'redis-limits' ? { redis: { url: '127.0.0.1:6379', keyPrefix: `bench${process.pid}` } } : {}) } }
      : {}),
  }),
  makeSource: () => new StaticGatewaySource(gateways),
  logger: silentLogger,
});
