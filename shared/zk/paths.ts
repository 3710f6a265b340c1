// Every ZooKeeper path kateway uses, in one place (layout: docs/ARCHITECTURE.md, "ZooKeeper layout").

export const KATEWAY_ROOT = '/_kateway';
export const GATEWAY_IDS_ROOT = `${KATEWAY_ROOT}/ids`;
export const META_ROOT = `${KATEWAY_ROOT}/meta`;
/** Its existence means "tenant metadata was initialised" (a gateway refuses to start without it). */
export const META_APPS = `${META_ROOT}/apps`;
export const META_ADMIN = `${META_ROOT}/admin`;

// A znode name: no '/', not '.' or '..', printable, bounded so paths stay readable in logs and zkCli.
const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Throws a plain Error naming `what` when `name` cannot be a single znode name. */
export function assertNodeName(what: string, name: string): void {
  if (!NAME.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid ${what} ${JSON.stringify(name)}: want 1-128 of [A-Za-z0-9_.:-], not '.' or '..'`);
  }
}

/** `/_kateway/ids/<zone>`: parent of the ephemeral nodes of a zone's live gateways. */
export function gatewayZonePath(zone: string): string {
  assertNodeName('zone', zone);
  return `${GATEWAY_IDS_ROOT}/${zone}`;
}

/** `/_kateway/ids/<zone>/<id>`: one live gateway (ephemeral, JSON GatewayEndpoint). */
export function gatewayPath(zone: string, id: string): string {
  assertNodeName('gateway id', id);
  return `${gatewayZonePath(zone)}/${id}`;
}

/** `/_kateway/meta/apps/<appid>`: one tenant as JSON (see shared/zk/meta-layout.ts). */
export function metaAppPath(appid: string): string {
  assertNodeName('appid', appid);
  return `${META_APPS}/${appid}`;
}

/** The parent of `path` ('/' for top-level nodes). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
