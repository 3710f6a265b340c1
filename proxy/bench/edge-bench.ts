// Edge benchmark (limits.md method): POST 100 B via wrk, direct vs HAProxy vs this proxy, req/s and CPU µs/request.
//
// usage: node dist/proxy/bench/edge-bench.js [--mode overhead|balance] [--duration 8] [--rounds 3] [--pin]
//          [--baseline DIR] [--node-flags=--max-semi-space-size=4] [--limits]
//   --body N: request body bytes (default 100).
//   --length: the backend answers with a Content-Length (as the gateway does), else chunk-encoded.
//   --limits adds rows with rate limits configured (local buckets, and shared through Redis on 127.0.0.1:6379)
//   far above the load, so every request pays the admit stage; requests carry an Appid header in every row. With
//   --baseline, also the baseline build with limits in Redis.
//   overhead: one bare node:http backend; rows direct, haproxy (nbthread 1), proxy (1 process), proxy (2 workers).
//   balance:  three backends, one slow (--slow-ms, default 2 ms per request); rows pub=round-robin and pub=p2c.
// Rounds alternate the row order (A B C / C B A / ...); each cell is the median (min–max). CPU comes from
// /proc/<pid>/stat (utime+stime of the process tree) before and after each run, divided by the requests served.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'overhead' },
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    pin: { type: 'boolean', default: false },
    'slow-ms': { type: 'string', default: '2' },
    /** Only rows whose name contains one of these comma-separated words (direct and haproxy always run). */
    only: { type: 'string', default: '' },
    /** Another build's dist/ (e.g. a copy of main's): adds a "baseline build" row, for A/B in one run. */
    baseline: { type: 'string' },
    /** Node flags for an extra "1 process, <flags>" row (space-separated). */
    'node-flags': { type: 'string' },
    limits: { type: 'boolean', default: false },
    /** The backend answers with a Content-Length (as the gateway does) instead of chunk-encoded. */
    length: { type: 'boolean', default: false },
    /** Request body size, bytes (a JSON batch of 100 × 100 B is ~13,000). */
    body: { type: 'string', default: '100' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
const CLK_TCK = 100;

interface Row {
  name: string;
  url: string;
  /** Processes whose trees are "the proxy" (empty for direct). */
  proxy: ChildProcess[];
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: string;
  proxyUs: number;
  /** The proxy's user-mode share of proxyUs (the rest is kernel time). */
  proxyUserUs: number;
  backendUs: number;
}

const procs: ChildProcess[] = [];
function start(cmd: string, argv: string[], cpu?: string): ChildProcess {
  const full = args.pin && cpu ? ['taskset', ['-c', cpu, cmd, ...argv]] : [cmd, argv];
  const p = spawn(full[0] as string, full[1] as string[], { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(p);
  return p;
}

/** utime and utime+stime of a process and all its descendants, µs. */
function treeCpuUs(root: number): { user: number; total: number } {
  const info = new Map<number, { ppid: number; user: number; sys: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      info.set(Number(d), { ppid: Number(f[1]), user: Number(f[11]), sys: Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  let user = 0;
  let sys = 0;
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    const i = info.get(p);
    if (!i) continue;
    user += i.user;
    sys += i.sys;
    for (const [c, ci] of info) if (ci.ppid === p) todo.push(c);
  }
  const us = (ticks: number): number => (ticks / CLK_TCK) * 1e6;
  return { user: us(user), total: us(user + sys) };
}

const ms = (v: string): number => (v.endsWith('us') ? Number(v.slice(0, -2)) / 1000 : v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000);

function wrk(url: string, seconds: number): Omit<Sample, 'proxyUs' | 'proxyUserUs' | 'backendUs'> {
  const argv = ['-t1', `-c${args.connections}`, `-d${seconds}s`, '--latency', '-s', join(dir, 'post.lua'), url];
  const out = execFileSync(args.pin ? 'taskset' : 'wrk', args.pin ? ['-c', '0', 'wrk', ...argv] : argv, { encoding: 'utf8' });
  const num = (re: RegExp): string => re.exec(out)?.[1] ?? '0';
  const errors = [/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[0], /Socket errors:.*/.exec(out)?.[0]].filter(Boolean).join('; ');
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(num(/50%\s+([\d.]+\w+)/)),
    p99: ms(num(/99%\s+([\d.]+\w+)/)),
    requests: Number(num(/(\d+) requests in/)),
    errors,
  };
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/alive`);
      await r.arrayBuffer();
      return;
    } catch {
      await sleep(25);
    }
  }
  throw new Error(`port ${port} never answered`);
}

function haproxyConfig(port: number, backends: number[]): string {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  http-reuse always',
    'frontend f',
    `  bind 127.0.0.1:${port}`,
    '  default_backend b',
    'backend b',
    '  balance roundrobin',
    ...backends.map((p, i) => `  server s${i} 127.0.0.1:${p} maxconn 1024`),
  ].join('\n') + '\n';
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

async function main(): Promise<void> {
  writeFileSync(join(dir, 'post.lua'), `wrk.method="POST"; wrk.body=string.rep("x",${Number(args.body)}); wrk.headers["Content-Type"]="application/octet-stream"; wrk.headers["Appid"]="bench"\n`);
  const backendJs = join(here, 'bare-backend.js');
  const proxyJs = join(here, 'proxy-server.js');
  const rows: Row[] = [];
  let backends: ChildProcess[];
  if (args.mode === 'balance') {
    backends = [start('node', [backendJs, '18101'], '1'), start('node', [backendJs, '18102'], '1'), start('node', [backendJs, '18103', args['slow-ms']!], '1')];
    rows.push({ name: 'proxy pub=round-robin', url: 'http://127.0.0.1:18011/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18011', '0', 'round-robin', '18101,18102,18103'], '1')] });
    rows.push({ name: 'proxy pub=p2c', url: 'http://127.0.0.1:18012/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18012', '0', 'p2c', '18101,18102,18103'], '1')] });
    for (const p of [18101, 18102, 18103, 18011, 18012]) await waitPort(p);
  } else {
    backends = [start('node', [backendJs, '18101', '0', args.length ? 'length' : 'chunked'], '1')];
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(18000, [18101]));
    rows.push({ name: 'direct', url: 'http://127.0.0.1:18101/v1/msgs/t/v1', proxy: [] });
    rows.push({ name: 'haproxy 2.6 (1 thread)', url: 'http://127.0.0.1:18000/v1/msgs/t/v1', proxy: [start('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], '1')] });
    rows.push({ name: 'kateway proxy (1 process)', url: 'http://127.0.0.1:18001/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18001', '0', 'p2c', '18101'], '1')] });
    rows.push({ name: 'kateway proxy, undici client (1 process)', url: 'http://127.0.0.1:18003/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18003', '0', 'p2c', '18101', 'undici'], '1')] });
    rows.push({ name: 'kateway proxy (2 workers)', url: 'http://127.0.0.1:18002/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18002', '2', 'p2c', '18101'], '1')] });
    rows.push({
      name: 'kateway proxy (1 process, --max-semi-space-size=32)',
      url: 'http://127.0.0.1:18004/v1/msgs/t/v1',
      proxy: [start('node', ['--max-semi-space-size=32', proxyJs, '18004', '0', 'p2c', '18101'], '1')],
    });
    const extraPorts: number[] = [];
    if (args.baseline) {
      const js = join(args.baseline, 'proxy', 'bench', 'proxy-server.js');
      rows.push({ name: 'kateway proxy, baseline build (1 process)', url: 'http://127.0.0.1:18005/v1/msgs/t/v1', proxy: [start('node', [js, '18005', '0', 'p2c', '18101'], '1')] });
      extraPorts.push(18005);
    }
    if (args['node-flags']) {
      const flags = args['node-flags'].split(' ').filter(Boolean);
      rows.push({ name: `kateway proxy (1 process, ${flags.join(' ')})`, url: 'http://127.0.0.1:18006/v1/msgs/t/v1', proxy: [start('node', [...flags, proxyJs, '18006', '0', 'p2c', '18101'], '1')] });
      extraPorts.push(18006);
    }
    if (args.limits) {
      rows.push({ name: 'kateway proxy (1 process, rate limits)', url: 'http://127.0.0.1:18007/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18007', '0', 'p2c', '18101', 'native', 'limits'], '1')] });
      rows.push({ name: 'kateway proxy (1 process, rate limits in Redis)', url: 'http://127.0.0.1:18008/v1/msgs/t/v1', proxy: [start('node', [proxyJs, '18008', '0', 'p2c', '18101', 'native', 'redis-limits'], '1')] });
      extraPorts.push(18007, 18008);
      if (args.baseline) {
        const js = join(args.baseline, 'proxy', 'bench', 'proxy-server.js');
        rows.push({ name: 'kateway proxy, baseline build (1 process, rate limits in Redis)', url: 'http://127.0.0.1:18009/v1/msgs/t/v1', proxy: [start('node', [js, '18009', '0', 'p2c', '18101', 'native', 'redis-limits'], '1')] });
        extraPorts.push(18009);
      }
    }
    for (const p of [18101, 18000, 18001, 18002, 18003, 18004, ...extraPorts]) await waitPort(p); // HAProxy passes /alive to the backend
  }
  const only = args.only ? args.only.split(',') : [];
  if (only.length > 0) {
    for (let i = rows.length - 1; i >= 0; i--) {
      const n = rows[i]!.name;
      if (n !== 'direct' && !n.startsWith('haproxy') && !only.some((w) => n.includes(w))) {
        rows.splice(i, 1)[0]!.proxy.forEach((p) => p.kill('SIGTERM'));
      }
    }
  }
  const duration = Number(args.duration);
  for (const r of rows) wrk(r.url, 2); // warm-up (JIT, connection pools)

  const results = new Map<string, Sample[]>();
  const cpu = (ps: ChildProcess[]): { user: number; total: number } =>
    ps.reduce((s, p) => {
      const t = treeCpuUs(p.pid!);
      return { user: s.user + t.user, total: s.total + t.total };
    }, { user: 0, total: 0 });
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const r of round % 2 ? [...rows].reverse() : rows) {
      const p0 = cpu(r.proxy);
      const b0 = cpu(backends);
      const w = wrk(r.url, duration);
      const p1 = cpu(r.proxy);
      const s: Sample = { ...w, proxyUs: (p1.total - p0.total) / w.requests, proxyUserUs: (p1.user - p0.user) / w.requests, backendUs: (cpu(backends).total - b0.total) / w.requests };
      results.set(r.name, [...(results.get(r.name) ?? []), s]);
      process.stderr.write(`${r.name}: ${Math.round(s.rps)} req/s, proxy ${s.proxyUs.toFixed(1)} µs/req${s.errors ? ` (${s.errors})` : ''}\n`);
    }
  }

  const ref = (name: string): number | undefined => {
    const s = results.get(name);
    return s ? median(s.map((x) => x.rps)) : undefined;
  };
  const direct = ref('direct');
  const haproxy = ref('haproxy 2.6 (1 thread)');
  const lines = [
    `| config | req/s median (min–max) | × direct | × HAProxy | p50 / p99 ms | proxy CPU µs/req (user) | backend CPU µs/req |`,
    `|---|---|---|---|---|---|---|`,
  ];
  for (const [name, s] of results) {
    const rps = s.map((x) => x.rps);
    const m = median(rps);
    const f = (x: number | undefined): string => (x ? (m / x).toFixed(2) : '—');
    lines.push(
      `| ${name} | **${Math.round(m)}** (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) | ${f(direct)} | ${f(haproxy)} | ` +
        `${median(s.map((x) => x.p50)).toFixed(2)} / ${median(s.map((x) => x.p99)).toFixed(2)} | ` +
        `${name === 'direct' ? '—' : `${median(s.map((x) => x.proxyUs)).toFixed(1)} (${median(s.map((x) => x.proxyUserUs)).toFixed(1)})`} | ${median(s.map((x) => x.backendUs)).toFixed(1)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`load average after: ${readFileSync('/proc/loadavg', 'utf8')}`);
}

try {
  await main();
} finally {
  for (const p of procs) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
