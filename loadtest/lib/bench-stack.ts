// One store's stack for `npm run bench`: a gateway, the kateway proxy and HAProxy in front of it, and how to reach each.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/free-port.js';
import type { PathKind } from './bench-scenarios.js';
import { haproxyAvailable, startHaproxy } from './haproxy.js';
import { startGatewayProcess, type GatewayProcess, type StoreKind } from './kateway-process.js';
import { spawnServer, type RunningServer } from './spawn-server.js';

export const PROXY_PROCESS = fileURLToPath(new URL('../proxy-process.js', import.meta.url));
const PROXY_MAIN = fileURLToPath(new URL('../../proxy/main.js', import.meta.url));

export interface Front {
  pubUrl: string;
  subUrl: string;
  /** Processes whose CPU a request through this front costs: [gateway, front proxy?]. */
  pids: number[];
}

export interface Stack {
  store: StoreKind;
  gateway: GatewayProcess;
  fronts: Partial<Record<PathKind, Front>>;
  /** Why a path is missing (e.g. "proxy: not available"). */
  notes: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  store: StoreKind;
  sqlitePath?: string;
  kafka?: string;
  partitions?: number;
  paths: readonly PathKind[];
  /** node:cluster workers of the kateway proxy (0 = one process). */
  proxyWorkers: number;
  /** Proxy upstream limits (the idle long-poll check needs more than the defaults). */
  proxyConnectionsPerHost?: number;
  proxyMaxInflightPerHost?: number;
  /** Proxy upstream connect timeout, ms (the idle check opens thousands of gateway connections in a burst). */
  proxyConnectTimeoutMs?: number;
  gatewayExtra?: string[];
  gatewayNodeFlags?: string[];
  proxyNodeFlags?: string[];
  /** A build directory (its dist/) whose kateway proxy serves the `baseline` path, in front of the same gateway. */
  baselineDist?: string;
}

/** The kateway proxy, if proxy/main.ts (startProxy) is built; undefined = not available. */
export async function startKatewayProxy(
  gw: GatewayProcess,
  o: Pick<StackOptions, 'proxyWorkers' | 'proxyConnectionsPerHost' | 'proxyMaxInflightPerHost' | 'proxyConnectTimeoutMs' | 'proxyNodeFlags'>,
  /** The dist/ directory to run the proxy from (default: this build's). */
  dist?: string,
): Promise<RunningServer & { url: string }> {
  const main = dist ? join(dist, 'proxy/main.js') : PROXY_MAIN;
  if (!existsSync(main)) throw new Error(`proxy: not available (${main} is not built)`);
  const port = await freePort();
  const ports = [gw.pubUrl, gw.subUrl, gw.manUrl].map((u) => new URL(u).port).join(':');
  const args = [...(o.proxyNodeFlags ?? []), dist ? join(dist, 'loadtest/proxy-process.js') : PROXY_PROCESS, '--port', String(port), '--gateway', ports, '--workers', String(o.proxyWorkers)];
  if (o.proxyConnectionsPerHost) args.push('--connections-per-host', String(o.proxyConnectionsPerHost));
  if (o.proxyMaxInflightPerHost) args.push('--max-inflight-per-host', String(o.proxyMaxInflightPerHost));
  if (o.proxyConnectTimeoutMs) args.push('--connect-timeout-ms', String(o.proxyConnectTimeoutMs));
  const srv = await spawnServer({ name: 'kateway proxy', command: process.execPath, args, ready: 'json-line' });
  return { ...srv, url: `http://127.0.0.1:${port}` };
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const gateway = await startGatewayProcess({
    store: o.store,
    sqlitePath: o.sqlitePath,
    kafka: o.kafka,
    partitions: o.partitions,
    extra: o.gatewayExtra,
    nodeFlags: o.gatewayNodeFlags,
  });
  const extra: RunningServer[] = [];
  const notes: string[] = [];
  const fronts: Partial<Record<PathKind, Front>> = {};
  if (o.paths.includes('direct')) fronts.direct = { pubUrl: gateway.pubUrl, subUrl: gateway.subUrl, pids: [gateway.pid] };
  if (o.paths.includes('proxy')) {
    try {
      const p = await startKatewayProxy(gateway, o);
      extra.push(p);
      fronts.proxy = { pubUrl: p.url, subUrl: p.url, pids: [gateway.pid, p.pid] };
    } catch (e) {
      notes.push(e instanceof Error ? e.message.split('\n')[0]! : String(e));
    }
  }
  if (o.paths.includes('baseline') && o.baselineDist) {
    const p = await startKatewayProxy(gateway, { ...o, proxyNodeFlags: undefined }, o.baselineDist);
    extra.push(p);
    fronts.baseline = { pubUrl: p.url, subUrl: p.url, pids: [gateway.pid, p.pid] };
  }
  if (o.paths.includes('haproxy')) {
    if (!haproxyAvailable()) notes.push('haproxy: not installed (Debian: apt-get install haproxy)');
    else {
      const ports = (u: string): number => Number(new URL(u).port);
      const h = await startHaproxy([{ pub: ports(gateway.pubUrl), sub: ports(gateway.subUrl), man: ports(gateway.manUrl) }]);
      extra.push(h);
      fronts.haproxy = { pubUrl: h.pubUrl, subUrl: h.subUrl, pids: [gateway.pid, h.pid] };
    }
  }
  return {
    store: o.store,
    gateway,
    fronts,
    notes,
    async stop() {
      await Promise.all(extra.map((s) => s.stop()));
      await gateway.stop(20_000);
    },
  };
}
