// The request pipeline, declared as an ordered list of stages: admin → route → admit → body → pick → forward (→ report).
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from '../shared/log.js';
import type { FrontStats } from './admin/front-stats.js';
import { subscriberKey } from './balancer/hash-key.js';
import type { BalancerPolicy } from './balancer/policy.js';
import type { ListenerConfig, ProxyConfig } from './config.js';
import { AppError, ErrorCode } from '../shared/errors.js';
import { Exchange, type ExchangeEnv } from './forward/exchange.js';
import type { Forwarder } from './forward/forwarder.js';
import { upstreamHeaders } from './forward/headers.js';
import type { FrontRequest } from './front/front-request.js';
import type { FrontResponse } from './front/front-response.js';
import { sendError } from './forward/respond.js';
import { rejectUpgrade, type TunnelEnv, type WsTunnels } from './forward/ws-tunnel.js';
import type { Outcome } from './health/outlier-detector.js';
import type { Admission } from './ratelimit/admission.js';
import type { RateDecision } from './ratelimit/limiter.js';
import { fixedRoute, matchRoute, type RouteMatch } from './route/route-table.js';
import type { HostRegistry } from './upstream/host-registry.js';
import type { Host, Service } from './upstream/host.js';

/** Everything a reload replaces at once; requests in flight keep the state they started with. */
export interface PipelineState {
  cfg: ProxyConfig;
  policies: Readonly<Record<Service, BalancerPolicy>>;
  admission: Admission;
}

export interface PipelineDeps {
  registry: HostRegistry;
  forwarder: Forwarder;
  tunnels: WsTunnels;
  front: FrontStats;
  /** The report stage (outlier detection). */
  report: (h: Host, outcome: Outcome) => void;
  /** The proxy's own endpoints; true when it answered. */
  admin: (req: FrontRequest, res: FrontResponse) => boolean;
  logger: Logger;
}

/** One request (or upgrade) moving through the stages. */
export class Call {
  route: RouteMatch | undefined;
  key: string | undefined;
  host: Host | undefined;
  body: Buffer | Readable | null = null;
  /** The stage to continue from after one returned LATER. */
  resumeAt = 0;
  state: PipelineState;
  constructor(
    readonly req: FrontRequest,
    /** Undefined for an upgrade. */
    readonly res: FrontResponse | undefined,
    readonly socket: Duplex | undefined,
    readonly head: Buffer | undefined,
    readonly listener: ListenerConfig,
    state: PipelineState,
  ) {
    this.state = state;
  }

  fail(err: AppError, extra: readonly string[] = []): void {
    if (this.res) sendError(this.res, err, extra);
    else if (this.socket) rejectUpgrade(this.socket, err, extra);
  }
}

/** A stage hands on (NEXT), has answered the client (DONE), or will call `pipeline.resume(call)` later (LATER). */
export const NEXT = 0;
export const DONE = 1;
export const LATER = 2;
type StageResult = typeof NEXT | typeof DONE | typeof LATER;
type Stage = (p: Pipeline, c: Call) => StageResult;

/**
 * The stages, in order. admit runs before the body is read so that a refused publish costs no body bytes; pick
 * runs after, so a slow uploader does not hold a slot it is not using yet; report happens when the exchange ends
 * (Exchange.onComplete/onError → Pipeline.report).
 */
export const STAGES: readonly { name: string; run: Stage }[] = [
  { name: 'admin', run: (p, c) => (c.res && p.deps.admin(c.req, c.res) ? DONE : NEXT) },
  {
    name: 'route',
    run: (_p, c) => {
      const svc = c.listener.service;
      c.route = svc === 'all' ? matchRoute(c.req.method, c.req.url) : fixedRoute(svc);
      return NEXT;
    },
  },
  { name: 'admit', run: (p, c) => p.admit(c) },
  { name: 'body', run: (p, c) => p.readBody(c) },
  { name: 'pick', run: (p, c) => p.pickStage(c) },
  { name: 'forward', run: (p, c) => p.forward(c) },
];

/** Runs the stages and is the environment exchanges and tunnels report back to. */
export class Pipeline implements ExchangeEnv, TunnelEnv {
  readonly deps: PipelineDeps;
  readonly front: FrontStats;
  readonly forwarder: Forwarder;
  draining = false;
  #state: PipelineState;
  #maxAttempts: number;

  constructor(state: PipelineState, deps: PipelineDeps) {
    this.#state = state;
    this.#maxAttempts = 1 + state.cfg.upstream.retriesUnsent;
    this.deps = deps;
    this.front = deps.front;
    this.forwarder = deps.forwarder;
  }

  get state(): PipelineState {
    return this.#state;
  }

  setState(s: PipelineState): void {
    this.#state = s;
    this.#maxAttempts = 1 + s.cfg.upstream.retriesUnsent;
  }

  get maxAttempts(): number {
    return this.#maxAttempts;
  }

  get connectTimeoutMs(): number {
    return this.#state.cfg.upstream.connectTimeoutMs;
  }

  handle(req: FrontRequest, res: FrontResponse, listener: ListenerConfig): void {
    this.front.requests++;
    this.#run(new Call(req, res, undefined, undefined, listener, this.#state), 0);
  }

  upgrade(req: FrontRequest, socket: Duplex, head: Buffer, listener: ListenerConfig): void {
    this.front.upgrades++;
    this.#run(new Call(req, undefined, socket, head, listener, this.#state), 0);
  }

  /** Continues a call whose stage returned LATER. */
  resume(c: Call, fromStage: number): void {
    this.#run(c, fromStage);
  }

  #run(c: Call, from: number): void {
    for (let i = from; i < STAGES.length; i++) {
      const r = STAGES[i]!.run(this, c);
      if (r === NEXT) continue;
      if (r === LATER) c.resumeAt = i + 1;
      return;
    }
  }

  #later(c: Call): void {
    this.#run(c, c.resumeAt);
  }

  admit(c: Call): StageResult {
    const admission = c.state.admission;
    if (!admission.enabled) return NEXT;
    const cl = c.req.known['content-length'];
    const d = admission.check({ appid: c.req.known.appid, topic: c.route!.topic, bytes: cl === undefined ? 0 : Number(cl) || 0 });
    if (d === undefined) return NEXT;
    if (!(d instanceof Promise)) return this.#admitted(c, d) ? NEXT : DONE;
    d.then(
      (dd) => {
        if (dd === undefined || this.#admitted(c, dd)) this.#later(c);
      },
      () => this.#later(c), // limiters fail open
    );
    return LATER;
  }

  #admitted(c: Call, d: RateDecision): boolean {
    if (d.allowed) return true;
    this.front.rateLimited++;
    c.fail(new AppError(ErrorCode.PX_RATE_LIMITED, 'quota exceeded'), [
      'retry-after',
      String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))),
      'ratelimit-limit',
      String(Math.floor(d.limit)),
      'ratelimit-remaining',
      String(d.remaining),
      'ratelimit-reset',
      String(Math.ceil(d.resetMs / 1000)),
    ]);
    return false;
  }

  /** Small bodies with a known length are read whole (one write upstream, retryable); others stream. */
  readBody(c: Call): StageResult {
    const req = c.req;
    if (!c.res) return NEXT; // upgrades carry no body
    const te = req.known['transfer-encoding'];
    const cl = req.known['content-length'];
    if (te === undefined && (cl === undefined || cl === '0')) return NEXT;
    if (te !== undefined || Number(cl) > c.state.cfg.upstream.bufferBodyBytes) {
      c.body = req.stream();
      return NEXT;
    }
    if (req.complete) {
      req.readAll((body) => (c.body = body));
      return NEXT;
    }
    req.readAll((body) => {
      c.body = body;
      this.#later(c);
    });
    return LATER;
  }

  pickStage(c: Call): StageResult {
    const route = c.route!;
    if (route.sticky) c.key = subscriberKey(c.req.known.appid, c.req.url, route.pathGroup);
    const host = c.state.policies[route.service].pick(this.deps.registry.set(route.service), c.key === undefined ? undefined : { key: c.key });
    if (!host) {
      this.front.noUpstream++;
      c.fail(new AppError(ErrorCode.PX_NO_UPSTREAM, `proxy: no ${route.service} gateway available`));
      return DONE;
    }
    c.host = host;
    return NEXT;
  }

  forward(c: Call): StageResult {
    if (!c.res) {
      this.deps.tunnels.open(this, c.req, c.socket!, c.head!, c.host!, c.key);
      return DONE;
    }
    const up = c.state.cfg.upstream;
    const service = c.route!.service;
    const timeout = service === 'pub' ? up.pubTimeoutMs : service === 'sub' ? up.subTimeoutMs : up.manTimeoutMs;
    const headers = upstreamHeaders(c.req.rawHeaders, c.req.socket.remoteAddress);
    new Exchange(this, c.req, c.res, c.key, headers, c.body, timeout).send(c.host!);
    return DONE;
  }

  /** Retry target for an exchange none of whose attempts left the proxy. */
  repick(x: Exchange): Host | undefined {
    return this.retarget(x.host!.service, x.key, x.tried);
  }

  /** Another usable host of `service` for `key`, avoiding `tried`. */
  retarget(service: Service, key: string | undefined, tried: readonly Host[]): Host | undefined {
    return this.#state.policies[service].pick(this.deps.registry.set(service), { key, exclude: tried });
  }

  report(h: Host, outcome: Outcome): void {
    this.deps.report(h, outcome);
  }
}
