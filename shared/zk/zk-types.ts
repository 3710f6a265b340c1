// Plain types of the ZooKeeper wrapper (stat, watch and session events) and their conversion from the library's.
import zookeeper from 'node-zookeeper-client';
import type { Event as LibEvent, Stat as LibStat } from 'node-zookeeper-client';

/** Session lifecycle. `newSession` is true on the first connect and after an expiry: ephemerals and watches are gone. */
export type ZkSessionEvent =
  | { type: 'connected'; sessionId: string; newSession: boolean }
  | { type: 'disconnected' }
  | { type: 'expired'; sessionId: string };

export interface ZkStat {
  version: number;
  /** Children version: bumped on every child create/delete. */
  cversion: number;
  /** Hex session id of the owner of an ephemeral node; undefined for a persistent node. */
  ephemeralOwner: string | undefined;
  numChildren: number;
  dataLength: number;
}

export interface ZkNode {
  data: Buffer;
  stat: ZkStat;
}

export type ZkCreateMode = 'persistent' | 'ephemeral';
export interface ZkWatchEvent {
  type: 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
  path: string;
}
/** A one-shot watch. Pass the same function again to re-arm it: ZooKeeper keeps one registration per function. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

const NO_OWNER = '0000000000000000';
const eventTypes: Record<number, ZkWatchEvent['type'] | undefined> = {
  [zookeeper.Event.NODE_CREATED]: 'created',
  [zookeeper.Event.NODE_DELETED]: 'deleted',
  [zookeeper.Event.NODE_DATA_CHANGED]: 'dataChanged',
  [zookeeper.Event.NODE_CHILDREN_CHANGED]: 'childrenChanged',
};

/** Library stat → ours (session ids as hex strings). */
export function toStat(s: LibStat): ZkStat {
  const owner = s.ephemeralOwner.toString('hex');
  return {
    version: s.version,
    cversion: s.cversion,
    ephemeralOwner: owner === NO_OWNER ? undefined : owner,
    numChildren: s.numChildren,
    dataLength: s.dataLength,
  };
}

/** Library watch event → ours; undefined for session-state events, which reach watchers in no case we use. */
export function toWatchEvent(e: LibEvent): ZkWatchEvent | undefined {
  const type = eventTypes[e.getType()];
  return type && { type, path: e.getPath() };
}
