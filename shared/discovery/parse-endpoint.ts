// Validates the JSON of a registry node into a GatewayEndpoint; a bad node must never reach the balancers.
import type { GatewayEndpoint } from './gateway-endpoint.js';

const STRINGS = ['id', 'zone', 'host', 'pub', 'sub', 'man', 'ver'] as const;

/** Parses and checks every field's type; throws an Error saying what is wrong. Unknown extra fields are dropped. */
export function parseGatewayEndpoint(raw: Buffer | string): GatewayEndpoint {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString());
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of STRINGS) {
    if (typeof o[k] !== 'string') throw new Error(`field "${k}" must be a string`);
  }
  if (!o.id) throw new Error('field "id" is empty');
  if (typeof o.cpu !== 'number' || !Number.isFinite(o.cpu) || o.cpu < 0) throw new Error('field "cpu" must be a number >= 0');
  if (typeof o.startedAt !== 'number' || !Number.isFinite(o.startedAt)) throw new Error('field "startedAt" must be a number');
  return {
    id: o.id as string,
    zone: o.zone as string,
    host: o.host as string,
    pub: o.pub as string,
    sub: o.sub as string,
    man: o.man as string,
    cpu: o.cpu,
    ver: o.ver as string,
    startedAt: o.startedAt,
  };
}

/** Sorted by id (the GatewaySource contract) and frozen, so subscribers cannot change each other's view. */
export function sortEndpoints(list: readonly GatewayEndpoint[]): readonly GatewayEndpoint[] {
  return Object.freeze([...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((g) => Object.freeze({ ...g })));
}
