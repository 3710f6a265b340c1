// Connects a gateway to ZooKeeper: tenants from /_kateway/meta and self-registration under /_kateway/ids.
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { ZkClient } from '../shared/zk/zk-client.js';
import { ZkTenantSource } from './auth/zk-tenant-source.js';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps, RunningGateway } from './gateway.js';
import { GatewayRegistry } from './registry/gateway-registry.js';
import { endpointOf } from './registration.js';

export interface ZkWiring {
  deps: Pick<GatewayDeps, 'tenants' | 'register'>;
  /** Closes the ZooKeeper session; call after the gateway closed (its ephemeral node is gone by then). */
  close(): Promise<void>;
}

export async function wireZookeeper(config: GatewayConfig, log: Logger): Promise<ZkWiring> {
  if (!config.zk) throw new Error('wireZookeeper needs config.zk');
  const zk = ZkClient.open({ connectString: config.zk, auth: config.zkAuth, log: log.child({ zk: config.zk }) });
  const tenants =
    config.tenants.kind === 'zk'
      ? await ZkTenantSource.start({ zk, cacheFile: join('.data', `tenants-${config.zone}-${config.id}.json`), log })
      : undefined;
  const register = async (gw: RunningGateway): Promise<() => Promise<void>> => {
    const registry = new GatewayRegistry({ zk, log, endpoint: endpointOf(config, gw) });
    await registry.register();
    log.info('registered in ZooKeeper', { path: registry.path });
    return async () => {
      await registry.deregister();
    };
  };
  return {
    deps: { ...(tenants ? { tenants } : {}), register },
    close: () => zk.close(),
  };
}
