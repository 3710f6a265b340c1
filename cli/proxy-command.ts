// `kateway proxy`: the edge proxy process, its options from a JSON file and flags, its gateways from a registry.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DirGatewaySource } from '../shared/discovery/dir-gateway-source.js';
import type { GatewayEndpoint } from '../shared/discovery/gateway-endpoint.js';
import { StaticGatewaySource } from '../shared/discovery/static-gateway-source.js';
import { ZkGatewaySource } from '../shared/discovery/zk-gateway-source.js';
import { createLogger, type Logger } from '../shared/log.js';
import { ZkClient } from '../shared/zk/zk-client.js';
import { ZkTenantSource } from '../gateway/auth/zk-tenant-source.js';
import { runProxy, type ProxySources } from '../proxy/cluster.js';
import type { ProxyOptions } from '../proxy/config.js';

const flags = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  workers: { type: 'string' },
  zk: { type: 'string' },
  zone: { type: 'string' },
  'registry-dir': { type: 'string' },
  gateways: { type: 'string' },
  redis: { type: 'string' },
} as const;

/** `--gateways 127.0.0.1:9191:9192:9193,...` → endpoints with ids 1..n. */
function staticGateways(list: string): GatewayEndpoint[] {
  return list.split(',').map((spec, i) => {
    const [host, pub, sub, man] = spec.trim().split(':');
    if (!host || !pub || !sub || !man) throw new Error(`--gateways entries are host:pubPort:subPort:manPort, got ${JSON.stringify(spec)}`);
    return { id: String(i + 1), zone: 'static', host, pub: `${host}:${pub}`, sub: `${host}:${sub}`, man: `${host}:${man}`, cpu: 1, ver: '', startedAt: 0 };
  });
}

/**
 * The ZooKeeper tenant meta, whose per-app quotas replace the proxy's default per-app rate rule. Without meta in
 * ZooKeeper (not initialised yet) the proxy still serves, with the config file's rules only.
 */
async function followTenants(client: ZkClient, log: Logger): Promise<ZkTenantSource | undefined> {
  try {
    return await ZkTenantSource.start({ zk: client, log });
  } catch (err) {
    log.warn('no tenant meta in ZooKeeper: per-app quotas not applied (config rate limits only)', { err });
    return undefined;
  }
}

export async function runProxyCommand(argv: string[]): Promise<void> {
  const { values: f } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false });
  const env = process.env;
  const zk = f.zk ?? env['KATEWAY_ZK'];
  const zone = f.zone ?? env['KATEWAY_ZONE'] ?? 'local';
  const registryDir = f['registry-dir'] ?? env['KATEWAY_REGISTRY_DIR'];
  const gateways = f.gateways ?? env['KATEWAY_GATEWAYS'];
  if (!zk && !registryDir && !gateways) throw new Error('kateway proxy needs --zk, --registry-dir or --gateways to find gateways');
  const log = createLogger({ svc: 'proxy', pid: process.pid });

  // Re-read on every SIGHUP: the file's options, then the flags on top.
  const loadOptions = (): ProxyOptions => {
    const file = f.config ?? env['KATEWAY_PROXY_CONFIG'];
    const base = file ? (JSON.parse(readFileSync(file, 'utf8')) as ProxyOptions) : {};
    const port = f.port ?? env['KATEWAY_PROXY_PORT'];
    const host = f.host ?? env['KATEWAY_HOST'] ?? '127.0.0.1';
    const workers = f.workers ?? env['KATEWAY_PROXY_WORKERS'];
    const redis = f.redis ?? env['KATEWAY_REDIS'];
    return {
      ...base,
      ...(redis ? { rateLimit: { ...base.rateLimit, redis: { ...base.rateLimit?.redis, url: redis } } } : {}),
      listeners: base.listeners ?? [{ host, port: port === undefined ? 10891 : Number(port) }],
      ...(workers === undefined ? {} : { workers: Number(workers) }),
    };
  };

  const makeSource = async (): Promise<ProxySources> => {
    if (zk) {
      const client = await ZkClient.connect({ connectString: zk, auth: env['KATEWAY_ZK_AUTH'], log });
      const source = await ZkGatewaySource.start({ zk: client, zone, log });
      const tenants = await followTenants(client, log);
      return {
        snapshot: () => source.snapshot(),
        onChange: (cb) => source.onChange(cb),
        ...(tenants ? { tenants } : {}),
        close: async () => {
          await tenants?.close();
          await source.close();
          await client.close();
        },
      };
    }
    if (registryDir) return new DirGatewaySource({ dir: registryDir });
    return new StaticGatewaySource(staticGateways(gateways!));
  };

  await runProxy({
    loadOptions,
    makeSource,
    logger: log,
    onReady: (addresses) => {
      process.stdout.write(JSON.stringify({ ready: true, proxy: addresses.map((a) => `${a.address}:${a.port}`) }) + '\n');
    },
  });
}
