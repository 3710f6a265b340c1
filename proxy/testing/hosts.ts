// Test fixtures: hosts and host sets without any network.
import { Host, type Service } from '../upstream/host.js';
import { HostSet } from '../upstream/host-set.js';

/** A host for gateway `id` on a made-up address; weight 1 unless given. */
export function makeHost(id: string, opts: { weight?: number; service?: Service; maxInflight?: number; port?: number } = {}): Host {
  const port = opts.port ?? 10000 + (hashish(id) % 50000);
  return new Host(
    { service: opts.service ?? 'sub', address: `127.0.0.1:${port}`, gatewayId: id, zone: 'test', weight: opts.weight ?? 1 },
    opts.maxInflight ?? 1_000_000,
  );
}

/** Hosts g1..gN (ids zero-padded so that sort order equals numeric order). */
export function makeHosts(n: number, opts: { weight?: number; service?: Service } = {}): Host[] {
  return Array.from({ length: n }, (_, i) => makeHost(`g${String(i + 1).padStart(3, '0')}`, { ...opts, port: 20000 + i }));
}

export const setOf = (hosts: readonly Host[], service: Service = 'sub'): HostSet => new HostSet(service, hosts);

function hashish(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
