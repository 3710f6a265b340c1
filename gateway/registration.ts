// How a gateway announces itself: in ZooKeeper (with tenants from /_kateway/meta), or in a directory on this host.
import type { GatewayEndpoint } from '../shared/discovery/gateway-endpoint.js';
import { registerInDir } from '../shared/discovery/dir-gateway-registry.js';
import type { Logger } from '../shared/log.js';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps, RunningGateway } from './gateway.js';
import { KATEWAY_VERSION } from './version.js';
import { wireZookeeper } from './zk-wiring.js';

export interface Registration {
  deps: Pick<GatewayDeps, 'tenants' | 'register'>;
  /** Releases what the registration holds (the ZooKeeper session); after the gateway closed. */
  close(): Promise<void>;
}

/** The registry node of a running gateway. */
export function endpointOf(config: GatewayConfig, gw: RunningGateway): GatewayEndpoint {
  const addr = (port: number): string => `${config.advertisedHost}:${port}`;
  return {
    id: config.id,
    zone: config.zone,
    host: config.advertisedHost,
    pub: addr(gw.ports.pub),
    sub: addr(gw.ports.sub),
    man: addr(gw.ports.man),
    cpu: config.cpu,
    ver: KATEWAY_VERSION,
    startedAt: Date.now(),
  };
}

/** ZooKeeper when configured, else the registry directory when configured, else none (a standalone gateway). */
export async function registrationFor(config: GatewayConfig, log: Logger): Promise<Registration | undefined> {
  if (config.zk) return wireZookeeper(config, log);
  const dir = config.registryDir;
  if (!dir) return undefined;
  return {
    deps: {
      register: async (gw) => {
        const deregister = registerInDir(dir, endpointOf(config, gw));
        log.info('registered in directory', { dir, id: config.id });
        return deregister;
      },
    },
    close: async () => undefined,
  };
}
