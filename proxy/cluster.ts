// The process entry for `kateway proxy`: node:cluster workers (one per core), SIGHUP reload, SIGTERM drain.
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { GatewaySource } from '../shared/discovery/gateway-endpoint.js';
import { createLogger, type Logger } from '../shared/log.js';
import { resolveProxyConfig, type ProxyConfig, type ProxyOptions } from './config.js';
import type { StatusCollector } from './admin/routes.js';
import type { ProxyStatus } from './admin/status.js';
import type { QuotaSource } from './ratelimit/redis-quotas.js';
import type { ProxyHandle } from './main.js';

/** What one serving process follows: the gateways, and optionally per-app quotas (tenant meta). */
export interface ProxySources extends GatewaySource {
  /** Per-app quotas (e.g. ZooKeeper meta's AppRecord.quotas); `close()` must also stop them. */
  tenants?: QuotaSource;
}

export interface RunProxyOptions {
  /** Reads the options: at start, and again on every SIGHUP (in the primary only). Throwing keeps the old ones. */
  loadOptions: () => ProxyOptions | Promise<ProxyOptions>;
  /** Builds the sources of one serving process; the proxy closes them on shutdown. */
  makeSource: (opts: ProxyOptions) => ProxySources | Promise<ProxySources>;
  logger?: Logger;
  /** Called once every worker listens (the CLI prints the addresses). */
  onReady?: (addresses: AddressInfo[]) => void;
}

/** Control of a running proxy from the process that started it. */
export interface RunningProxy {
  /** Re-reads the options and applies them everywhere (what SIGHUP does). */
  reload(): Promise<void>;
  /** Drains and stops every serving process (what SIGTERM does). */
  close(): Promise<void>;
}

const ENV_OPTIONS = 'KATEWAY_PROXY_OPTIONS';
type Msg =
  | { kind: 'kateway-proxy:reload'; opts: ProxyOptions }
  | { kind: 'kateway-proxy:drain' }
  | { kind: 'kateway-proxy:listening'; addresses: AddressInfo[] }
  | { kind: 'kateway-proxy:reloaded'; ok: boolean; error?: string }
  /** worker → primary: collect every worker's status; primary → worker: the collection. */
  | { kind: 'kateway-proxy:status-all'; id: number; statuses?: ProxyStatus[] }
  /** primary → worker: your status please; worker → primary: here it is. */
  | { kind: 'kateway-proxy:status-one'; id: number; status?: ProxyStatus };

/** How long a status collection waits for slow workers. */
const STATUS_WAIT_MS = 1_000;

const isMsg = (m: unknown): m is Msg => typeof m === 'object' && m !== null && String((m as { kind?: unknown }).kind).startsWith('kateway-proxy:');

/**
 * `workers: 0` serves in this process. Otherwise the primary forks that many workers (they re-run the same entry
 * and land in `runWorker`), restarts a worker that dies, forwards reloads over IPC (workers keep their listening
 * sockets and connections: the cluster primary owns the listen handle), and on SIGTERM/SIGINT asks every worker to
 * drain, waiting up to drainTimeoutMs + 5 s before killing stragglers.
 */
export async function runProxy(o: RunProxyOptions): Promise<RunningProxy> {
  const log = o.logger ?? createLogger({ svc: 'proxy', pid: process.pid });
  if (cluster.isWorker) return runWorker(o, log);
  let opts = await o.loadOptions();
  let cfg = resolveProxyConfig(opts);
  if (cfg.workers === 0) return runInline(o, opts, log);

  // Fixed at the first fork (node:cluster reads it once); a reload cannot change it.
  cluster.schedulingPolicy = cfg.accept === 'workers' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  const live = new Set<Worker>();
  let stopping: Promise<void> | undefined;
  let readyCount = 0;
  const addresses: AddressInfo[] = [];
  const fork = (): void => {
    cluster.setupPrimary({ execArgv: workerExecArgv(cfg) });
    const w = cluster.fork({ [ENV_OPTIONS]: JSON.stringify(opts) });
    live.add(w);
    w.on('message', (m: unknown) => {
      if (!isMsg(m)) return;
      if (m.kind === 'kateway-proxy:listening') {
        if (addresses.length === 0) addresses.push(...m.addresses);
        if (++readyCount === cfg.workers) o.onReady?.(addresses);
      } else if (m.kind === 'kateway-proxy:status-all') {
        void gatherStatus([...live]).then((statuses) => w.send({ kind: 'kateway-proxy:status-all', id: m.id, statuses } satisfies Msg));
      }
    });
    w.once('exit', (code, signal) => {
      live.delete(w);
      if (stopping) return;
      log.error('proxy worker died; starting another', { worker: w.process.pid, code, signal });
      fork();
    });
  };
  for (let i = 0; i < cfg.workers; i++) fork();

  const reload = async (): Promise<void> => {
    let next: ProxyOptions;
    try {
      next = await o.loadOptions();
      const nextCfg = resolveProxyConfig(next);
      opts = next;
      // Worker count changes apply to workers started from now on (a restart picks them all up).
      cfg = nextCfg;
    } catch (err) {
      log.error('reload refused: bad proxy options; keeping the running ones', { err });
      return;
    }
    await Promise.all([...live].map((w) => ask(w, { kind: 'kateway-proxy:reload', opts: next })));
    log.info('proxy reloaded', { workers: live.size });
  };
  const close = (): Promise<void> =>
    (stopping ??= (async () => {
      const deadline = cfg.drainTimeoutMs + 5_000;
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => w.process.kill('SIGKILL'), deadline);
              kill.unref();
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              w.send({ kind: 'kateway-proxy:drain' } satisfies Msg);
            }),
        ),
      );
      log.info('proxy stopped');
    })());
  process.on('SIGHUP', () => void reload());
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
  return { reload, close };
}

/** A worker's Node flags: the primary's, plus the configured semi-space unless the primary was given one. */
export function workerExecArgv(cfg: Pick<ProxyConfig, 'workerSemiSpaceMB'>, base: readonly string[] = process.execArgv): string[] {
  if (cfg.workerSemiSpaceMB === 0 || base.some((a) => a.startsWith('--max-semi-space-size'))) return [...base];
  return [...base, `--max-semi-space-size=${cfg.workerSemiSpaceMB}`];
}

let nextStatusId = 1;

/** Primary side: every live worker's status, waiting at most STATUS_WAIT_MS for each. */
function gatherStatus(workers: Worker[]): Promise<ProxyStatus[]> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<ProxyStatus | undefined>((resolve) => {
          const id = nextStatusId++;
          const timer = setTimeout(() => finish(undefined), STATUS_WAIT_MS);
          const onMsg = (r: unknown): void => {
            if (isMsg(r) && r.kind === 'kateway-proxy:status-one' && r.id === id) finish(r.status);
          };
          const finish = (st: ProxyStatus | undefined): void => {
            clearTimeout(timer);
            w.off('message', onMsg);
            resolve(st);
          };
          w.on('message', onMsg);
          try {
            w.send({ kind: 'kateway-proxy:status-one', id } satisfies Msg);
          } catch {
            finish(undefined);
          }
        }),
    ),
  ).then((all) => all.filter((s): s is ProxyStatus => s !== undefined));
}

/** Worker side: asks the primary for all workers' statuses; falls back to none (the caller then shows its own). */
function workerCollector(): StatusCollector {
  const pending = new Map<number, (s: ProxyStatus[]) => void>();
  process.on('message', (m: unknown) => {
    if (isMsg(m) && m.kind === 'kateway-proxy:status-all') pending.get(m.id)?.(m.statuses ?? []);
  });
  return () =>
    new Promise<ProxyStatus[]>((resolve) => {
      const id = nextStatusId++;
      const timer = setTimeout(() => done([]), STATUS_WAIT_MS * 2);
      const done = (s: ProxyStatus[]): void => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(s);
      };
      pending.set(id, done);
      process.send?.({ kind: 'kateway-proxy:status-all', id } satisfies Msg);
    });
}

/** Sends a reload to one worker and waits for its answer (a worker that exits meanwhile counts as done). */
function ask(w: Worker, m: Msg): Promise<void> {
  return new Promise<void>((resolve) => {
    const onMsg = (r: unknown): void => {
      if (isMsg(r) && r.kind === 'kateway-proxy:reloaded') done();
    };
    const done = (): void => {
      w.off('message', onMsg);
      w.off('exit', done);
      resolve();
    };
    w.on('message', onMsg);
    w.once('exit', done);
    w.send(m);
  });
}

async function runInline(o: RunProxyOptions, opts: ProxyOptions, log: Logger): Promise<RunningProxy> {
  const { handle, source } = await serve(o, opts, log);
  o.onReady?.(handle.addresses);
  const close = async (): Promise<void> => {
    await handle.close();
    await source.close();
  };
  const reload = async (): Promise<void> => {
    try {
      await handle.reload(await o.loadOptions());
    } catch (err) {
      log.error('reload refused: bad proxy options; keeping the running ones', { err });
    }
  };
  process.on('SIGHUP', () => void reload());
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
  return { reload, close };
}

async function runWorker(o: RunProxyOptions, log: Logger): Promise<RunningProxy> {
  const opts = JSON.parse(process.env[ENV_OPTIONS] ?? '{}') as ProxyOptions;
  const { handle, source } = await serve(o, opts, log, workerCollector());
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await handle.close();
      await source.close();
      process.exit(0);
    })());
  const reload = async (next?: ProxyOptions): Promise<void> => {
    let ok = true;
    let error: string | undefined;
    try {
      await handle.reload(next ?? opts);
    } catch (err) {
      ok = false;
      error = String(err);
      log.error('worker reload failed', { err });
    }
    process.send?.({ kind: 'kateway-proxy:reloaded', ok, error } satisfies Msg);
  };
  process.on('message', (m: unknown) => {
    if (!isMsg(m)) return;
    if (m.kind === 'kateway-proxy:reload') void reload(m.opts);
    else if (m.kind === 'kateway-proxy:drain') void close();
    else if (m.kind === 'kateway-proxy:status-one') process.send?.({ kind: 'kateway-proxy:status-one', id: m.id, status: handle.status() } satisfies Msg);
  });
  // The primary decides about reloads; a SIGHUP sent to the whole process group must not kill a worker.
  process.on('SIGHUP', () => undefined);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void close());
  process.send?.({ kind: 'kateway-proxy:listening', addresses: handle.addresses } satisfies Msg);
  return { reload: () => reload(), close };
}

async function serve(
  o: RunProxyOptions,
  opts: ProxyOptions,
  log: Logger,
  collectStatus?: StatusCollector,
): Promise<{ handle: ProxyHandle; source: GatewaySource }> {
  // Loaded here, not at the top: the cluster primary never serves and stays small without the proxy's modules.
  const { startProxy } = await import('./main.js');
  const source = await o.makeSource(opts);
  try {
    return { handle: await startProxy(opts, { source, tenants: source.tenants, logger: log, collectStatus }), source };
  } catch (err) {
    await source.close();
    throw err;
  }
}
