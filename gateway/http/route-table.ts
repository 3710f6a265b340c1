// Resolves a listener's method + path to a route with checked path parameters, remembering recent answers.
import { AppError, ErrorCode } from '../../shared/errors.js';
import { compileQueryValidator, type QueryValidator } from './query-validator.js';
import type { HttpMethod, Listener, Route } from './route.js';
import { Router } from './router.js';

/** A route found, with its decoded and pattern-checked path parameters (shared between requests: read-only). */
export interface ResolvedRoute {
  readonly kind: 'found';
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
  /** Validates and coerces the query string; undefined when the route declares no query. */
  readonly query: QueryValidator | undefined;
}

export type Resolution =
  | ResolvedRoute
  | { readonly kind: 'method-not-allowed'; readonly allowed: HttpMethod[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid-param'; readonly route: Route; readonly error: AppError };

/**
 * Paths remembered per listener and method. A gateway sees few distinct paths (one per app topic and version), so
 * nearly every request is a hit; the bound keeps a scan of random paths from growing memory, and a full cache
 * is simply emptied (cheaper than LRU bookkeeping on every hit).
 */
const CACHED_PATHS = 4096;

interface PreparedRoute {
  query: QueryValidator | undefined;
  patterns: [string, RegExp][];
}

export class RouteTable {
  readonly #routers = new Map<Listener, Router>();
  readonly #prepared = new Map<Route, PreparedRoute>();
  readonly #cache = new Map<Listener, Map<string, Map<string, ResolvedRoute>>>();

  constructor(routes: readonly Route[]) {
    for (const l of ['pub', 'sub', 'man'] as const) {
      this.#routers.set(l, new Router());
      this.#cache.set(l, new Map());
    }
    for (const r of routes) {
      for (const l of r.listeners) this.#routers.get(l)!.add(r);
      this.#prepared.set(r, {
        query: r.query ? compileQueryValidator(r.query) : undefined,
        patterns: Object.entries(r.params ?? {}).flatMap(([n, s]) => (s.pattern ? [[n, new RegExp(s.pattern)] as [string, RegExp]] : [])),
      });
    }
  }

  resolve(listener: Listener, method: string, path: string): Resolution {
    const byMethod = this.#cache.get(listener)!;
    const hit = byMethod.get(method)?.get(path);
    if (hit) return hit;
    const match = this.#routers.get(listener)!.match(method, path);
    if (match.kind !== 'found') return match;
    const prepared = this.#prepared.get(match.route)!;
    for (const [name, re] of prepared.patterns) {
      if (!re.test(match.params[name]!)) {
        return { kind: 'invalid-param', route: match.route, error: new AppError(ErrorCode.BAD_REQUEST, `invalid ${name}: must match ${re.source}`) };
      }
    }
    const resolved: ResolvedRoute = { kind: 'found', route: match.route, params: Object.freeze(match.params), query: prepared.query };
    let paths = byMethod.get(method);
    if (!paths) byMethod.set(method, (paths = new Map()));
    if (paths.size >= CACHED_PATHS) paths.clear();
    paths.set(path, resolved);
    return resolved;
  }
}
