// The memory check of `npm run bench`: N idle subscribe long-polls held through the kateway proxy (else direct);
// RSS of the gateway and of the proxy (every process of it) before and while they are held.
import { readFileSync } from 'node:fs';
import { holdIdleLongPolls } from '../clients/idle-longpolls.js';
import { APP } from './bench-scenarios.js';
import { startStack } from './bench-stack.js';
import type { StoreKind } from './kateway-process.js';
import { pssBytes, rssBytes } from './proc-cpu.js';

export interface MemoryCheckResult {
  path: 'proxy' | 'direct';
  store: StoreKind;
  count: number;
  groups: number;
  held: number;
  failed: number;
  statuses: Record<string, number>;
  gatewayRssMB: { idle: number; held: number };
  /** Sum over the proxy's processes (primary + workers), and the largest single process. */
  /** RSS summed over the proxy's processes (the verdict's figure); `pssHeld`: the same tree's PSS sum (shared pages once). */
  proxyRssMB?: { idle: number; held: number; largestProcess: number; processes: number; pssHeld: number };
  notes: string[];
}

const MB = 1024 * 1024;

/** `pid` and its descendants (the proxy's cluster workers are its children), from /proc/<pid>/task/<pid>/children. */
function processTree(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...kids.flatMap(processTree)];
  } catch {
    return [pid];
  }
}

const treeRss = (pid: number): { sum: number; largest: number; n: number; pss: number } => {
  const tree = processTree(pid);
  const rss = tree.map((p) => rssBytes(p) ?? 0);
  const pss = tree.reduce((a, p) => a + (pssBytes(p) ?? 0), 0);
  return { sum: rss.reduce((a, b) => a + b, 0), largest: Math.max(...rss), n: rss.length, pss };
};

export async function runMemoryCheck(o: {
  count: number;
  groups: number;
  store: StoreKind;
  sqlitePath?: string;
  kafka?: string;
  proxyWorkers: number;
  log: (s: string) => void;
}): Promise<MemoryCheckResult> {
  // The proxy needs one upstream connection per held long-poll: raise its per-gateway limits above the count. The
  // opening burst can overflow the gateway's accept queue (a SYN retried after 1 s): with the default 1 s connect
  // timeout three such connects eject the only gateway and the rest are answered 503, so allow 5 s here.
  const stack = await startStack({
    store: o.store,
    sqlitePath: o.sqlitePath,
    kafka: o.kafka,
    paths: ['direct', 'proxy'],
    proxyWorkers: o.proxyWorkers,
    proxyConnectionsPerHost: o.count + 1000,
    proxyMaxInflightPerHost: o.count + 1000,
    proxyConnectTimeoutMs: 5_000,
  });
  const notes = [...stack.notes];
  try {
    const front = stack.fronts.proxy ?? stack.fronts.direct!;
    const path = stack.fronts.proxy ? 'proxy' : 'direct';
    const topic = 'idlecheck';
    const r = await fetch(`${stack.gateway.pubUrl}/v1/msgs/${topic}/v1`, { method: 'POST', body: 'x', headers: { Appid: APP.appid, Pubkey: APP.key } });
    if (r.status !== 201) throw new Error(`memory check: cannot create topic: ${r.status} ${await r.text()}`);
    await new Promise((res) => setTimeout(res, 1000));
    const proxyPid = front.pids[1];
    const gwIdle = rssBytes(stack.gateway.pid) ?? 0;
    const pxIdle = proxyPid ? treeRss(proxyPid) : undefined;
    o.log(`memory check: opening ${o.count} idle long-polls over ${o.groups} groups via ${path}...`);
    const t0 = Date.now();
    const idle = await holdIdleLongPolls({ subUrl: front.subUrl, appid: APP.appid, subkey: APP.key, topic, ver: 'v1', count: o.count, groups: o.groups });
    // Let the last requests reach the gateway, then read RSS a few times and keep the highest.
    await new Promise((res) => setTimeout(res, 3000));
    let gwHeld = 0;
    let pxHeld = { sum: 0, largest: 0, n: 0, pss: 0 };
    for (let i = 0; i < 3; i++) {
      gwHeld = Math.max(gwHeld, rssBytes(stack.gateway.pid) ?? 0);
      if (proxyPid) {
        const t = treeRss(proxyPid);
        if (t.sum > pxHeld.sum) pxHeld = t;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    if (Date.now() - t0 > 25_000) notes.push('opening took over 25 s: some long-polls may have timed out (204) and been re-sent');
    const res: MemoryCheckResult = {
      path,
      store: o.store,
      count: o.count,
      groups: o.groups,
      held: idle.held(),
      failed: idle.failed(),
      statuses: idle.statuses(),
      gatewayRssMB: { idle: gwIdle / MB, held: gwHeld / MB },
      proxyRssMB: pxIdle ? { idle: pxIdle.sum / MB, held: pxHeld.sum / MB, largestProcess: pxHeld.largest / MB, processes: pxHeld.n, pssHeld: pxHeld.pss / MB } : undefined,
      notes,
    };
    idle.close();
    return res;
  } finally {
    await stack.stop();
  }
}
