// Which gateway listener serves a request: the route table as data (gateway routes, reference §1.2), first match wins.
import type { Service } from '../upstream/host.js';

/** The routing decision for one request. */
export interface RouteMatch {
  service: Service;
  /** Hash the subscriber key (Appid + group) to pick the gateway. */
  sticky: boolean;
  /** Path segment holding the consumer group (offset commits), when the group is not in the query. */
  pathGroup?: string;
  /** Topic scope for per-topic rate limits: the path's topic segments joined by '/'. */
  topic?: string;
}

interface RouteRule {
  methods: readonly string[];
  /** Path segments; ':name' matches any non-empty segment. */
  pattern: readonly string[];
  service: Service;
  /** Segment range [from, to) naming the topic. */
  topic?: readonly [number, number];
  /** Segment index of the group. */
  group?: number;
}

const rule = (methods: string, path: string, service: Service, extra: Partial<RouteRule> = {}): RouteRule => ({
  methods: methods.split('|'),
  pattern: path.split('/').slice(1),
  service,
  ...extra,
});

/**
 * Publish and subscribe routes of the gateway (and of the original kateway, §1.2). Anything else goes to the man
 * listener: /v1/status..., /v1/partitions..., /v1/topics..., /v1/openapi.json, /metrics, /alive of the gateway.
 */
export const ROUTES: readonly RouteRule[] = [
  rule('POST', '/v1/msgs/:topic/:ver', 'pub', { topic: [2, 4] }),
  rule('GET', '/v1/ws/msgs/:topic/:ver', 'pub', { topic: [3, 5] }),
  rule('POST', '/topics/:topic/:ver', 'pub', { topic: [1, 3] }),
  rule('POST', '/v1/raw/msgs/:cluster/:topic', 'pub', { topic: [3, 5] }),
  rule('POST|DELETE', '/v1/jobs/:topic/:ver', 'pub', { topic: [2, 4] }),
  rule('GET|PUT', '/v1/msgs/:appid/:topic/:ver', 'sub', { topic: [2, 5] }),
  rule('GET', '/v1/ws/msgs/:appid/:topic/:ver', 'sub', { topic: [3, 6] }),
  rule('PUT', '/v1/offsets/:appid/:topic/:ver/:group', 'sub', { topic: [2, 5], group: 5 }),
  rule('GET', '/topics/:appid/:topic/:ver', 'sub', { topic: [1, 4] }),
  rule('GET', '/v1/raw/msgs/:cluster/:topic', 'sub', { topic: [3, 5] }),
  rule('PUT', '/v1/raw/offsets/:cluster/:topic/:group', 'sub', { topic: [3, 5], group: 5 }),
];

const MAN: RouteMatch = Object.freeze({ service: 'man', sticky: false });

/** Rules by method, so most requests are compared with two or three rules at most. */
function byMethod(routes: readonly RouteRule[]): Map<string, RouteRule[]> {
  const m = new Map<string, RouteRule[]>();
  for (const r of routes) for (const method of r.methods) m.set(method, [...(m.get(method) ?? []), r]);
  return m;
}
const DEFAULT_BY_METHOD = byMethod(ROUTES);

/** Decisions of the default table by method, then path: clients publish to and poll the same few paths over and over. */
const decided = new Map<string, Map<string, RouteMatch>>();
/** Paths remembered per method; past this the memo starts over (a scan of many distinct topics). */
const MEMO_MAX = 10_000;

/** Routes a request by method and path (`url` may carry a query string). The result is frozen (it may be shared). */
export function matchRoute(method: string, url: string, routes: readonly RouteRule[] = ROUTES): RouteMatch {
  if (routes !== ROUTES) return decide(byMethod(routes).get(method), url);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  let memo = decided.get(method);
  if (!memo) decided.set(method, (memo = new Map()));
  let m = memo.get(path);
  if (m === undefined) {
    m = decide(DEFAULT_BY_METHOD.get(method), path);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(path, m);
  }
  return m;
}

function decide(candidates: readonly RouteRule[] | undefined, url: string): RouteMatch {
  if (!candidates) return MAN;
  const q = url.indexOf('?');
  const end = q < 0 ? url.length : q;
  for (const r of candidates) {
    if (!matches(r.pattern, url, end)) continue;
    const m: RouteMatch = { service: r.service, sticky: r.service === 'sub' };
    if (r.topic || r.group !== undefined) {
      const segs = url.slice(1, end).split('/');
      if (r.topic) m.topic = segs.slice(r.topic[0], r.topic[1]).join('/');
      if (r.group !== undefined) m.pathGroup = segs[r.group];
    }
    return Object.freeze(m);
  }
  return MAN;
}

const FIXED: Readonly<Record<Service, RouteMatch>> = {
  pub: Object.freeze({ service: 'pub', sticky: false }),
  sub: Object.freeze({ service: 'sub', sticky: true }),
  man: MAN,
};

/** Routing for a listener bound to one service: no table, the listener decides (sub stays sticky). */
export function fixedRoute(service: Service): RouteMatch {
  return FIXED[service];
}

/** Walks `url[0, end)` segment by segment against the pattern, without splitting it. */
function matches(pattern: readonly string[], url: string, end: number): boolean {
  if (url.charCodeAt(0) !== 47 /* '/' */) return false;
  let pos = 1;
  for (let i = 0; i < pattern.length; i++) {
    let stop = url.indexOf('/', pos);
    const last = i === pattern.length - 1;
    if (stop < 0 || stop > end) stop = end;
    else if (last) return false; // more segments than the pattern
    if (!last && stop === end) return false; // fewer segments
    const p = pattern[i]!;
    if (p.charCodeAt(0) === 58 /* ':' */) {
      if (stop === pos) return false; // an empty parameter
    } else if (stop - pos !== p.length || !url.startsWith(p, pos)) return false;
    pos = stop + 1;
  }
  return true;
}
