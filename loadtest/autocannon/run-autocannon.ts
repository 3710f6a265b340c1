// Typed wrapper over autocannon's programmatic API (the package ships no types) and a one-line result summary.
import { createRequire } from 'node:module';

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  requests?: AutocannonRequest[];
  /** Requests per second over all connections (fixed offered rate); latencies are then corrected for coordinated omission. */
  overallRate?: number;
  /** Seconds before a request counts as a timeout (default 10). */
  timeout?: number;
}

interface Hist {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  total: number;
}

export interface AutocannonResult {
  requests: Hist & { sent: number };
  latency: Hist;
  throughput: Hist;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

const autocannon = createRequire(import.meta.url)('autocannon') as (o: AutocannonOptions) => Promise<AutocannonResult>;

export function runAutocannon(o: AutocannonOptions): Promise<AutocannonResult> {
  return autocannon({ timeout: 40, ...o });
}

/** Counts of responses with `status` (autocannon counts 204 as 2xx: a long-poll that found nothing). */
export const statusCount = (r: AutocannonResult, status: number): number => Number(r.statusCodeStats[String(status)]?.count ?? 0);

export interface Summary {
  reqPerSec: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

/** Summary with msgs/s = (responses of `okStatus`) × msgsPerReq ÷ duration. */
export function summarise(r: AutocannonResult, msgsPerReq: number, okStatus: number): Summary {
  const statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, Number(v.count)]));
  return {
    reqPerSec: r.requests.total / r.duration,
    msgsPerSec: (statusCount(r, okStatus) * msgsPerReq) / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    p999Ms: r.latency.p99_9,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
  };
}

export function printSummary(name: string, s: Summary): void {
  const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  process.stdout.write(
    `${name}: ${f(s.reqPerSec)} req/s, ${f(s.msgsPerSec)} msgs/s, latency p50 ${f(s.p50Ms, 1)} / p99 ${f(s.p99Ms, 1)} / p99.9 ${f(s.p999Ms, 1)} ms ` +
      `(autocannon: whole ms), statuses ${JSON.stringify(s.statuses)}, non-2xx ${s.non2xx}, errors ${s.errors}, timeouts ${s.timeouts}\n` +
      JSON.stringify({ scenario: name, ...s }) +
      '\n',
  );
}
