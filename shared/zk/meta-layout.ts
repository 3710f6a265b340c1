// Tenant metadata in ZooKeeper: the layout under /_kateway/meta, its JSON types, and their validation.
//
//   /_kateway/meta                  persistent, empty
//   /_kateway/meta/apps             persistent, empty. Its existence means "initialised": a gateway with neither this
//                                   node nor a cached copy refuses to start (an empty but existing node is valid).
//   /_kateway/meta/apps/<appid>     persistent, JSON MetaApp: everything about one tenant (secret hash and salt,
//                                   owned topics, subscriptions, groups, quotas)
//   /_kateway/meta/admin            persistent, JSON MetaAdmin; absent = man API disabled
//
// One JSON per app rather than a node per topic/subscription/group: a gateway applies each app change atomically
// (never a topic without its subscription), needs one data watch per app and N reads at start, and writers
// update with compare-and-set on the node version. The cost is ZooKeeper's 1 MB node limit: about 20 000 topic
// names per app. Gateways watch /apps (children) and every app node (data), so an edit shows within milliseconds.
import type { AppQuotas, AppRecord } from '../app-record.js';
import { assertNodeName } from './paths.js';

/** One tenant, stored as one JSON node. */
export type MetaApp = AppRecord;
export type MetaQuotas = AppQuotas;

export interface MetaAdmin {
  id: string;
  secretHash: string;
  salt: string;
}

const TOPIC = /^(\*|[A-Za-z0-9_-]{1,64})$/;
const GROUP = /^(\*|[A-Za-z0-9_-]{1,128})$/;
const SUBSCRIPTION = /^[A-Za-z0-9_.:-]{1,128}\.(\*|[A-Za-z0-9_-]{1,64})$/;
const HEX = /^[0-9a-f]+$/;

/** Throws an Error naming the field when `name` is not a valid topic ('*' allowed). */
export function assertTopic(name: string): void {
  if (!TOPIC.test(name)) throw new Error(`invalid topic ${JSON.stringify(name)}: want 1-64 of [A-Za-z0-9_-] or '*'`);
}
export function assertGroup(name: string): void {
  if (!GROUP.test(name)) throw new Error(`invalid group ${JSON.stringify(name)}: want 1-128 of [A-Za-z0-9_-] or '*'`);
}
export function assertSubscription(s: string): void {
  if (!SUBSCRIPTION.test(s)) throw new Error(`invalid subscription ${JSON.stringify(s)}: want owner.topic or owner.*`);
}

function obj(raw: Buffer | string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString());
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

function hash(o: Record<string, unknown>): { secretHash: string; salt: string } {
  const { secretHash, salt } = o;
  if (typeof secretHash !== 'string' || secretHash.length !== 64 || !HEX.test(secretHash)) {
    throw new Error('"secretHash" must be 64 hex digits');
  }
  if (typeof salt !== 'string' || salt.length === 0 || salt.length % 2 !== 0 || !HEX.test(salt)) throw new Error('"salt" must be hex');
  return { secretHash, salt };
}

function names(o: Record<string, unknown>, key: string, check: (s: string) => void): string[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`"${key}" must be an array of strings`);
  for (const s of v as string[]) check(s);
  return [...new Set(v as string[])];
}

function quotas(v: unknown): MetaQuotas | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('"quotas" must be an object');
  const q: MetaQuotas = {};
  for (const k of ['requestsPerSec', 'bytesPerSec'] as const) {
    const n = (v as Record<string, unknown>)[k];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`"quotas.${k}" must be a number >= 0`);
    q[k] = n;
  }
  return q;
}

/** Parses and validates an app node; `id` (the node name) must match. Throws an Error saying what is wrong. */
export function parseMetaApp(raw: Buffer | string, id: string): MetaApp {
  const o = obj(raw);
  if (o.id !== id) throw new Error(`"id" ${JSON.stringify(o.id)} does not match the node name ${id}`);
  if (o.autoCreateTopics !== undefined && typeof o.autoCreateTopics !== 'boolean') throw new Error('"autoCreateTopics" must be a boolean');
  const app: MetaApp = {
    id,
    ...hash(o),
    topics: names(o, 'topics', assertTopic),
    subscriptions: names(o, 'subscriptions', assertSubscription),
    groups: names(o, 'groups', assertGroup),
  };
  if (o.autoCreateTopics !== undefined) app.autoCreateTopics = o.autoCreateTopics as boolean;
  const q = quotas(o.quotas);
  if (q) app.quotas = q;
  return app;
}

export function parseMetaAdmin(raw: Buffer | string): MetaAdmin {
  const o = obj(raw);
  if (typeof o.id !== 'string' || !o.id) throw new Error('"id" must be a non-empty string');
  assertNodeName('admin id', o.id);
  return { id: o.id, ...hash(o) };
}
