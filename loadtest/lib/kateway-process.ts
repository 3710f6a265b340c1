// Starts `kateway gateway` (or the bare anchor server) from dist/ as a child process on free loopback ports.
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../test/helpers/free-port.js';
import { spawnServer, type RunningServer } from './spawn-server.js';

export const KATEWAY_CLI = fileURLToPath(new URL('../../cli/kateway.js', import.meta.url));
export const BARE_SERVER = fileURLToPath(new URL('../bare-server.js', import.meta.url));

export type StoreKind = 'memory' | 'sqlite' | 'kafka';

export interface GatewayLaunch {
  store: StoreKind;
  /** SQLite database file (store sqlite). */
  sqlitePath?: string;
  /** Kafka bootstrap brokers, comma separated (store kafka). */
  kafka?: string;
  /** Partitions of topics created on first publish. Default 4. */
  partitions?: number;
  /** Pin to this CPU; undefined = no affinity. */
  core?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Extra gateway flags. */
  extra?: string[];
  id?: string;
}

export interface GatewayProcess extends RunningServer {
  readonly pubUrl: string;
  readonly subUrl: string;
  readonly manUrl: string;
}

export async function startGatewayProcess(o: GatewayLaunch): Promise<GatewayProcess> {
  const [pub, sub, man] = (await freePorts(3)) as [number, number, number];
  const args = [
    ...(o.nodeFlags ?? []),
    KATEWAY_CLI,
    'gateway',
    '--store', o.store,
    '--pub-port', String(pub),
    '--sub-port', String(sub),
    '--man-port', String(man),
    '--partitions', String(o.partitions ?? 4),
    ...(o.id ? ['--id', o.id] : []),
    ...(o.sqlitePath ? ['--sqlite-path', o.sqlitePath] : []),
    ...(o.kafka ? ['--kafka', o.kafka] : []),
    ...(o.extra ?? []),
  ];
  const srv = await spawnServer({ name: `gateway(${o.store})`, command: process.execPath, args, core: o.core, ready: 'json-line', timeoutMs: 60_000 });
  return { ...srv, pubUrl: `http://127.0.0.1:${pub}`, subUrl: `http://127.0.0.1:${sub}`, manUrl: `http://127.0.0.1:${man}` };
}

export interface BareProcess extends RunningServer {
  readonly url: string;
}

/** The bare node:http anchor (loadtest/bare-server.ts). */
export async function startBareProcess(core?: number, bodyBytes = 100): Promise<BareProcess> {
  const srv = await spawnServer({ name: 'bare node:http', command: process.execPath, args: [BARE_SERVER, '--body', String(bodyBytes)], core, ready: 'json-line' });
  const port = (srv.info['ports'] as { http: number }).http;
  return { ...srv, url: `http://127.0.0.1:${port}` };
}
