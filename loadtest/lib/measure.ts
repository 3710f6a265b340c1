// One wrk run with the server processes' CPU read before and after: the unit sample of every wrk-based bench.
import { treeCpuUs } from './proc-cpu.js';
import { runWrk, type WrkOptions, type WrkResult } from './wrk.js';

export interface WrkSample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Server CPU µs per request, one entry per measured process (same order as `pids`). */
  cpuUsPerReq: number[];
  genCpuUsPerReq: number;
  /** Non-2xx responses plus socket errors: a run with any is not clean. */
  bad: number;
  badDetail: string;
}

/** Runs wrk once and charges the CPU time of each pid's process tree to the requests wrk completed. */
export async function measureWrk(opts: WrkOptions, pids: readonly number[]): Promise<WrkSample> {
  const before = pids.map(treeCpuUs);
  const r: WrkResult = await runWrk(opts);
  const after = pids.map(treeCpuUs);
  const e = r.errors;
  const bad = r.non2xx + e.connect + e.read + e.write + e.timeout;
  return {
    rps: r.rps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    requests: r.requests,
    cpuUsPerReq: pids.map((_, i) => (r.requests ? (after[i]! - before[i]!) / r.requests : NaN)),
    genCpuUsPerReq: r.genCpuUsPerReq,
    bad,
    badDetail: bad ? `non2xx ${r.non2xx}, connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}` : '',
  };
}
