// The scenarios of `npm run bench`: what wrk sends, how many messages a request carries, and which bare request anchors it.
import type { MixedOptions } from '../clients/e2e-latency.js';
import type { SubscribeMode } from '../clients/mixed-subscriber.js';
import type { WrkOptions } from './wrk.js';
import { postScript, rotatingGetScript } from './wrk-scripts.js';

/** `baseline`: the kateway proxy of another build (`--baseline DIR`), for A/B runs. */
export type PathKind = 'direct' | 'proxy' | 'haproxy' | 'baseline';

/** The bare node:http request a scenario is judged against (same method, same body, same response shape). */
export type BareAnchor = 'post-100' | 'post-4k' | 'post-batch100' | 'get-100' | 'get-batch100';

export interface WrkScenario {
  id: string;
  label: string;
  kind: 'pub' | 'sub';
  size: number;
  /** Messages per request: publish batch size, or subscribe batch size. */
  msgsPerReq: number;
  keyed?: boolean;
  /** Consumer groups the subscribe requests rotate over (fan-out). */
  groups?: number;
  anchor: BareAnchor;
  /** Run on every path (else: gateway direct only, to keep `npm run bench` under 10 minutes). */
  allPaths: boolean;
  /** In --quick. */
  quick: boolean;
}

export const SCENARIOS: readonly WrkScenario[] = [
  { id: 'pub-100', label: 'publish 100 B', kind: 'pub', size: 100, msgsPerReq: 1, anchor: 'post-100', allPaths: true, quick: true },
  { id: 'pub-batch100', label: 'publish JSON batch of 100 × 100 B', kind: 'pub', size: 100, msgsPerReq: 100, anchor: 'post-batch100', allPaths: true, quick: true },
  { id: 'sub-lp1', label: 'subscribe long-poll batch=1', kind: 'sub', size: 100, msgsPerReq: 1, anchor: 'get-100', allPaths: true, quick: true },
  { id: 'sub-batch100', label: 'subscribe chunked batch=100', kind: 'sub', size: 100, msgsPerReq: 100, anchor: 'get-batch100', allPaths: true, quick: false },
  { id: 'pub-100-keyed', label: 'publish 100 B keyed', kind: 'pub', size: 100, msgsPerReq: 1, keyed: true, anchor: 'post-100', allPaths: false, quick: false },
  { id: 'pub-4k', label: 'publish 4 KiB', kind: 'pub', size: 4096, msgsPerReq: 1, anchor: 'post-4k', allPaths: false, quick: false },
  { id: 'sub-fanout4', label: 'subscribe fan-out: 4 groups, batch=1', kind: 'sub', size: 100, msgsPerReq: 1, groups: 4, anchor: 'get-100', allPaths: false, quick: false },
];

export const APP = { appid: 'demo', key: 'demo' } as const;
export const PUB_TOPIC = 'benchpub';
export const SUB_TOPIC = 'benchsub';

/** The wrk request of one run of `s` against a front; `group` names the fresh consumer group(s) of a subscribe run. */
export function wrkRequest(s: WrkScenario, front: { pubUrl: string; subUrl: string }, group: string): Pick<WrkOptions, 'url' | 'script' | 'headers'> {
  if (s.kind === 'pub') {
    const path = `/v1/msgs/${PUB_TOPIC}/v1${s.msgsPerReq > 1 ? '?batch=1' : ''}`;
    return { url: front.pubUrl + path, script: postScript({ size: s.size, batch: s.msgsPerReq, keyed: s.keyed, path, headers: { Appid: APP.appid, Pubkey: APP.key } }) };
  }
  const paths = groupNames(s, group).map((g) => subPath(s, g));
  const headers = { Appid: APP.appid, Subkey: APP.key };
  if (paths.length > 1) return { url: front.subUrl + paths[0], script: rotatingGetScript(paths, headers) };
  return { url: front.subUrl + paths[0], headers };
}

export const groupNames = (s: WrkScenario, group: string): string[] =>
  s.groups && s.groups > 1 ? Array.from({ length: s.groups }, (_, i) => `${group}x${i}`) : [group];

export const subPath = (s: WrkScenario, group: string): string =>
  `/v1/msgs/${APP.appid}/${SUB_TOPIC}/v1?group=${group}${s.msgsPerReq > 1 ? `&batch=${s.msgsPerReq}` : ''}`;

/** The wrk request of a bare node:http anchor. */
export function bareRequest(a: BareAnchor, url: string): Pick<WrkOptions, 'url' | 'script' | 'headers'> {
  switch (a) {
    case 'post-100':
      return { url: `${url}/v1/msgs/${PUB_TOPIC}/v1`, script: postScript({ size: 100, headers: { Appid: APP.appid, Pubkey: APP.key } }) };
    case 'post-4k':
      return { url: `${url}/v1/msgs/${PUB_TOPIC}/v1`, script: postScript({ size: 4096, headers: { Appid: APP.appid, Pubkey: APP.key } }) };
    case 'post-batch100':
      return { url: `${url}/v1/msgs/${PUB_TOPIC}/v1?batch=1`, script: postScript({ size: 100, batch: 100, headers: { Appid: APP.appid, Pubkey: APP.key } }) };
    case 'get-100':
      return { url: `${url}/v1/msgs/${APP.appid}/${SUB_TOPIC}/v1?group=g`, headers: { Appid: APP.appid, Subkey: APP.key } };
    case 'get-batch100':
      return { url: `${url}/v1/msgs/${APP.appid}/${SUB_TOPIC}/v1?group=g&batch=100`, headers: { Appid: APP.appid, Subkey: APP.key } };
  }
}

export const BARE_ANCHORS: readonly { id: BareAnchor; label: string; quick: boolean }[] = [
  { id: 'post-100', label: 'bare node:http POST 100 B → 201', quick: true },
  { id: 'post-batch100', label: 'bare node:http POST 100 × 100 B JSON → 201', quick: true },
  { id: 'get-100', label: 'bare node:http GET → 200, 100 B', quick: true },
  { id: 'get-batch100', label: 'bare node:http GET → 200, 100 records chunked', quick: false },
  { id: 'post-4k', label: 'bare node:http POST 4 KiB → 201', quick: false },
];

/**
 * The mixed scenario's subscriber group per mode: 64 batch=1 long-polls (like wrk's connections: one proxied round
 * trip per message), 4 chunked batch=100 long-polls (what a consumer at 1,000 msgs/s does: each response streams
 * a record per message as it comes, and ends after 100 or 1 s idle), one WebSocket.
 */
export const MIXED_SUBSCRIBERS: Readonly<Record<SubscribeMode, { subscribers: number; label: string }>> = {
  longpoll: { subscribers: 64, label: '64 long-polls batch=1' },
  chunked: { subscribers: 4, label: '4 chunked long-polls batch=100' },
  ws: { subscribers: 1, label: 'WebSocket' },
};

/** The mixed rows' id suffix per mode (`<store>|mixed-e2e<suffix>|<path>`; ids predating chunked kept theirs). */
export const MIXED_ID_SUFFIX: Readonly<Record<SubscribeMode, string>> = { longpoll: '', chunked: '-chunked', ws: '-ws' };

/** Messages per chunked response of the mixed scenario. */
export const MIXED_BATCH = 100;

/** One mixed run of the benchmarks: 100 B messages from the demo app, the mode's subscriber group. */
export const mixedRun = (
  front: { pubUrl: string; subUrl: string },
  mode: SubscribeMode,
  run: Pick<MixedOptions, 'topic' | 'group' | 'rate' | 'seconds' | 'slowMs'>,
): MixedOptions => ({
  pubUrl: front.pubUrl,
  subUrl: front.subUrl,
  appid: APP.appid,
  pubkey: APP.key,
  subkey: APP.key,
  ver: 'v1',
  size: 100,
  subscribers: MIXED_SUBSCRIBERS[mode].subscribers,
  mode,
  batch: MIXED_BATCH,
  ...run,
});
