// HAProxy 2.6 in front of gateways, configured like the original ehaproxy template (kateway-original.md §4.3).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../test/helpers/free-port.js';
import { spawnServer, type RunningServer } from './spawn-server.js';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

export interface HaproxyBackend {
  pub: number;
  sub: number;
  man: number;
  /** Server weight: the original used the gateway's CPU count. */
  weight?: number;
}

export interface HaproxyFront extends RunningServer {
  readonly pubUrl: string;
  readonly subUrl: string;
  readonly manUrl: string;
  readonly configFile: string;
}

/**
 * The template's settings, minus what cannot apply here: no syslog, no user switch or daemon mode, and
 * `nbthread` = CPUs instead of `nbproc` = CPUs (HAProxy 2.5 removed nbproc; threads are its replacement).
 * `maxconn`/`ulimit-n` are capped by this machine's hard file limit (the template's 51,200/102,434 exceed it).
 */
export function haproxyConfig(ports: { pub: number; sub: number; man: number }, backends: readonly HaproxyBackend[], threads = cpus().length): string {
  const servers = (kind: 'pub' | 'sub' | 'man'): string[] =>
    backends.map((b, i) => `    server gw${i + 1} 127.0.0.1:${b[kind]} weight ${b.weight ?? 1}`);
  return [
    'global',
    `    nbthread ${threads}`,
    '    maxconn 9000',
    '    spread-checks 5',
    '',
    'defaults',
    '    mode http',
    '    backlog 10000',
    '    retries 0',
    '    maxconn 9000',
    '    balance roundrobin',
    '    option http-keep-alive',
    '    option abortonclose',
    '    option redispatch',
    '    timeout client 1m',
    '    timeout server 10m',
    '    timeout connect 1s',
    '    timeout http-keep-alive 6m',
    '    timeout queue 1m',
    '    timeout check 5s',
    '    default-server minconn 50 maxconn 5000 inter 80s rise 2 fall 3',
    '',
    'listen pub',
    `    bind 127.0.0.1:${ports.pub}`,
    '    balance source',
    '    timeout client 5m',
    ...servers('pub'),
    '',
    'listen sub',
    `    bind 127.0.0.1:${ports.sub}`,
    '    balance source',
    '    timeout client 40s',
    ...servers('sub'),
    '',
    'listen man',
    `    bind 127.0.0.1:${ports.man}`,
    ...servers('man'),
    '',
  ].join('\n');
}

export const haproxyAvailable = (): boolean => existsSync(HAPROXY_BIN);

export async function startHaproxy(backends: readonly HaproxyBackend[], core?: number, threads?: number): Promise<HaproxyFront> {
  const [pub, sub, man] = (await freePorts(3)) as [number, number, number];
  const dir = mkdtempSync(join(tmpdir(), 'kateway-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig({ pub, sub, man }, backends, threads ?? (core === undefined ? cpus().length : 1)));
  const srv = await spawnServer({ name: 'haproxy', command: HAPROXY_BIN, args: ['-db', '-f', configFile], core, ready: pub });
  return { ...srv, pubUrl: `http://127.0.0.1:${pub}`, subUrl: `http://127.0.0.1:${sub}`, manUrl: `http://127.0.0.1:${man}`, configFile };
}
