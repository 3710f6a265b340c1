// Renders the result of `npm run bench` as markdown: the main table with ratios to anchors, the side tables,
// the issue's targets with verdicts, and changes against the previous run.
import { MIXED_ID_SUFFIX, MIXED_SUBSCRIBERS } from './bench-scenarios.js';
import type { BenchResult, WrkRow } from './bench-types.js';
import { machineLine } from './machine.js';
import { JUDGED_MODES, JUDGED_STORES } from './mixed-plan.js';
import { summariseMixed } from './mixed-summary.js';
import { soakLines } from './soak-report.js';
import { fmt, fmtSpread } from './stats.js';

const PATH_NAME: Record<string, string> = { direct: 'gateway direct', proxy: 'kateway proxy', haproxy: 'HAProxy 2.6', baseline: 'kateway proxy (baseline build)' };

function anchorText(r: WrkRow, all: WrkRow[], res: BenchResult): string {
  const find = (id: string): WrkRow | undefined => all.find((x) => x.id === id);
  const parts: string[] = [];
  if (r.path === 'direct') {
    const anchor = res.wrk.find((x) => x.store === 'bare' && x.scenario === bareAnchorOf(r.scenario));
    if (anchor) parts.push(`${fmt(r.rps.median / anchor.rps.median, 2)}× bare`);
  } else {
    const direct = find(`${r.store}|${r.scenario}|direct`);
    if (r.path === 'proxy' || r.path === 'baseline') {
      const hap = find(`${r.store}|${r.scenario}|haproxy`);
      if (hap) parts.push(`${fmt(r.rps.median / hap.rps.median, 2)}× HAProxy`);
    }
    if (direct) parts.push(`${fmt(r.rps.median / direct.rps.median, 2)}× direct`);
  }
  if (r.store === 'kafka' && r.scenario.startsWith('pub') && res.kafkaAnchor) {
    const k = r.msgsPerReq > 1 ? res.kafkaAnchor.batch100 : res.kafkaAnchor.single;
    if (k) parts.push(`${fmt(r.msgsPerSec.median / k.msgsPerSec, 2)}× kafkajs`);
  }
  return parts.join(' · ') || '—';
}

const ANCHOR_OF: Record<string, string> = {
  'pub-100': 'post-100',
  'pub-100-keyed': 'post-100',
  'pub-4k': 'post-4k',
  'pub-batch100': 'post-batch100',
  'sub-lp1': 'get-100',
  'sub-fanout4': 'get-100',
  'sub-batch100': 'get-batch100',
};
const bareAnchorOf = (scenario: string): string | undefined => ANCHOR_OF[scenario];

function change(now: number, prev: BenchResult | undefined, pick: (r: BenchResult) => number | undefined): { text: string; regressed: boolean } {
  if (!prev) return { text: '—', regressed: false };
  const before = pick(prev);
  if (before === undefined || !Number.isFinite(before) || before === 0 || !Number.isFinite(now)) return { text: '—', regressed: false };
  const pct = (100 * (now - before)) / before;
  const regressed = pct < -10;
  return { text: `${pct >= 0 ? '+' : ''}${fmt(pct, 0)} %${regressed ? ' **▼**' : ''}`, regressed };
}

export function renderBench(res: BenchResult, prev: BenchResult | undefined): string {
  const o = res.options as { quick: boolean; seconds: number; rounds: number; connections: number; proxyWorkers: number; prefill: number; mixedRate: number; mixedSeconds: number; mixedRounds: number };
  const m = res.machine;
  const regressions: string[] = [];
  const L: string[] = [
    `## All scenarios × paths × stores (\`npm run bench${o.quick ? ' -- --quick' : ''}\`)`,
    '',
    `Run ${m.date}, ${fmt(res.wallSeconds)} s. Machine: ${machineLine(m)}.`,
    '',
    `Method: wrk \`-t1 -c${o.connections} -d${o.seconds}s --latency\`, no CPU pinning (the load generator, the proxies and the ` +
      `gateway share the ${m.nproc} CPUs, as a single-host deployment would); ${o.rounds} rounds in alternating order per store ` +
      `(${o.quick ? 'no warm-up run' : 'after a 1 s warm-up run per cell'}); each cell is the median (min–max) of the rounds. ` +
      'CPU µs/req = utime+stime (/proc/PID/stat) of the gateway and of the front proxy (all its processes) over the run ÷ ' +
      'requests. One gateway per store behind each front; topics have 8 partitions; the kateway proxy runs ' +
      `${o.proxyWorkers} node:cluster worker(s); HAProxy runs the original ehaproxy template (balance source, retries 0, ` +
      `nbthread = CPUs). Subscribe runs use a fresh consumer group each, on a topic pre-filled with ${fmt(o.prefill)} messages. ` +
      'Ratios compare medians measured in this run: direct ÷ a bare node:http server answering the same request, proxy ÷ ' +
      'HAProxy, Kafka-store publish ÷ a kafkajs producer (acks=all, 100 B). "vs previous" compares msgs/s with the last ' +
      'JSON copy; ▼ marks a drop over 10 %. Latency is closed-loop at saturation (p50 ≈ connections ÷ throughput).',
    '',
    '| store | scenario | path | req/s median (min–max) | msgs/s | p50 / p99 ms | CPU µs/req gateway + front | ratio to anchors | vs previous |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = res.wrk.filter((r) => r.store !== 'bare');
  for (const r of rows) {
    const c = change(r.msgsPerSec.median, prev, (p) => p.wrk.find((x) => x.id === r.id)?.msgsPerSec.median);
    if (c.regressed) regressions.push(`${r.store} · ${r.label} · ${PATH_NAME[r.path]}: msgs/s ${c.text}`);
    const cpu = `${fmt(r.cpuUsPerReq.server, 1)}${r.cpuUsPerReq.front !== undefined ? ` + ${fmt(r.cpuUsPerReq.front, 1)}` : ''}`;
    const flag = r.badRuns ? ` ⚠ ${r.badRuns}/${r.runs} runs: ${r.badDetail}` : '';
    L.push(
      `| ${r.store} | ${r.label} | ${PATH_NAME[r.path]} | ${fmtSpread(r.rps)} | ${fmt(r.msgsPerSec.median)} | ${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)} | ` +
        `${cpu} | ${anchorText(r, rows, res)}${flag} | ${c.text} |`,
    );
  }
  L.push('', '### Anchors measured in this run', '', '| anchor | req/s median (min–max) | msgs/s | p50 / p99 ms | CPU µs/req |', '|---|---|---|---|---|');
  for (const r of res.wrk.filter((x) => x.store === 'bare')) {
    L.push(`| ${r.label} | ${fmtSpread(r.rps)} | ${fmt(r.msgsPerSec.median)} | ${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuUsPerReq.server, 1)} |`);
  }
  for (const [name, v] of Object.entries(res.kafkaAnchor?.raw ?? {})) {
    L.push(`| ${name} (loadtest/bench-kafka.ts, acks=all, 100 B) | — | ${fmt(v.msgsPerSec)} | — | client ${fmt(v.clientCpuUsPerMsg, 1)} µs/msg |`);
  }
  L.push('', '(HAProxy, the third anchor, is the "HAProxy 2.6" path of the main table.)', '');

  if (res.ws.length) {
    L.push('### WebSocket subscribe (4 sockets, one group, JSON text frames, pre-filled topic)', '', '| store | path | msgs/s | CPU µs/msg gateway + front | vs previous |', '|---|---|---|---|---|');
    for (const w of res.ws) {
      const c = change(w.msgsPerSec, prev, (p) => p.ws.find((x) => x.id === w.id)?.msgsPerSec);
      if (c.regressed) regressions.push(`${w.store} · WebSocket subscribe · ${PATH_NAME[w.path]}: msgs/s ${c.text}`);
      const cpu = `${fmt(w.cpuUsPerMsg.server, 1)}${w.cpuUsPerMsg.front !== undefined ? ` + ${fmt(w.cpuUsPerMsg.front, 1)}` : ''}`;
      L.push(`| ${w.store} | ${PATH_NAME[w.path]} | ${fmt(w.msgsPerSec)}${w.failed ? ` ⚠ ${w.failed} sockets failed: ${w.error}` : ''} | ${cpu} | ${c.text} |`);
    }
    L.push('');
  }
  if (res.mixed.length) {
    L.push(
      `### Mixed publish + subscribe at a fixed offered rate: end-to-end latency (${fmt(o.mixedRate)} msgs/s for ${o.mixedSeconds} s per round, 100 B; one subscribing group)`,
      '',
      'The publisher (open loop) stamps the send time into each message; the subscriber measures receipt − stamp. They run in ' +
        'two processes; "generator delay" is the p99 event-loop delay of each (above a few ms the generator, not the server, lagged). ' +
        'batch=1 long-polls cost one proxied round trip per message; chunked batch=100 long-polls stream a record per message ' +
        '(loadtest/README.md, "Mixed subscriber modes"). The rows issue 5 judges (chunked and WebSocket through the proxy, ' +
        `sqlite and kafka) run in ${o.quick ? '1 round (--quick)' : `${o.mixedRounds} alternating rounds`}: one round's p99 rests on ~${fmt((o.mixedRate * o.mixedSeconds) / 100)} messages ` +
        `and on ${m.nproc} shared CPUs swings with any single scheduling stall, so each round's p99 is listed and the median is judged; ` +
        'the other latencies are medians of the rounds, max the largest, counts summed. The other rows run once.',
      '',
      '| store | path | subscriber | rounds | delivered / published | e2e p99 ms: median (each round) | e2e p50 / p999 / max ms | publish p50 / p99 ms | lost | dup | pub / sub errors | generator delay pub / sub ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const x of res.mixed) {
      const label = MIXED_SUBSCRIBERS[x.mode].label;
      const failed = x.errors.length ? ` ⚠ ${x.errors.length} failed: ${(x.errors[0] ?? '').replace(/\s+/g, ' ').slice(0, 120)}` : '';
      if (!x.results.length) {
        L.push(`| ${x.store} | ${PATH_NAME[x.path]} | ${label} | 0 |${failed} | | | | | | | |`);
        continue;
      }
      const m = summariseMixed(x.results);
      const each = m.rounds > 1 ? ` (${m.p99PerRound.map((p) => fmt(p, 1)).join(' · ')})` : '';
      L.push(
        `| ${x.store} | ${PATH_NAME[x.path]} | ${label} | ${m.rounds}${failed} | ${fmt(m.received)} / ${fmt(m.published)} | **${fmt(m.p99, 2)}**${each} | ${fmt(m.p50, 2)} / ${fmt(m.p999, 2)} / ${fmt(m.max, 1)} | ` +
          `${fmt(m.pubP50, 2)} / ${fmt(m.pubP99, 2)} | ${m.lost} | ${m.duplicates} | ${m.pubErrors}${m.firstPubError ? ` (${m.firstPubError.slice(0, 80)})` : ''} / ${m.subErrors}${m.firstSubError ? ` (${m.firstSubError.slice(0, 80)})` : ''} | ` +
          `${fmt(m.generatorDelay.publisher, 1)} / ${fmt(m.generatorDelay.subscriber, 1)} |`,
      );
    }
    L.push('');
  }
  const mem = res.memory;
  if (mem) {
    L.push(
      `### Memory: ${fmt(mem.count)} idle subscribe long-polls over ${fmt(mem.groups)} groups, through the ${PATH_NAME[mem.path]} (${mem.store} store)`,
      '',
      '| process | RSS before MB | RSS while held MB |',
      '|---|---|---|',
      `| gateway | ${fmt(mem.gatewayRssMB.idle, 1)} | **${fmt(mem.gatewayRssMB.held, 1)}** |`,
    );
    if (mem.proxyRssMB) {
      L.push(`| kateway proxy, ${mem.proxyRssMB.processes} processes (sum; largest ${fmt(mem.proxyRssMB.largestProcess, 1)}; PSS sum while held ${fmt(mem.proxyRssMB.pssHeld, 1)}) | ${fmt(mem.proxyRssMB.idle, 1)} | **${fmt(mem.proxyRssMB.held, 1)}** |`);
    }
    L.push('', `Held at measurement: ${fmt(mem.held)} of ${fmt(mem.count)}; failed sockets ${mem.failed}; responses so far ${JSON.stringify(mem.statuses)}.${mem.notes.length ? ' ' + mem.notes.join('; ') : ''}`, '');
  }
  const soak = res.soak;
  if (soak) {
    L.push(`### Soak: ${soak.seconds} s at ${fmt(soak.rate)} msgs/s through the ${PATH_NAME[soak.path]} (${soak.store} store)`, '', ...soakLines(soak), '');
  }

  L.push('### Targets (issue 5)', '', '| target | measured | verdict |', '|---|---|---|');
  for (const store of ['memory', 'sqlite']) {
    const r = rows.find((x) => x.id === `${store}|pub-batch100|proxy`);
    L.push(`| batch publish through the proxy ≥ 100,000 msgs/s, ${store} | ${r ? `${fmt(r.msgsPerSec.median)} msgs/s` : 'not measured'} | ${r ? (r.msgsPerSec.median >= 100_000 ? 'met' : '**missed**') : '—'} |`);
  }
  for (const store of JUDGED_STORES) {
    for (const mode of ['longpoll', 'chunked', 'ws'] as const) {
      const x = res.mixed.find((r) => r.id === `${store}|mixed-e2e${MIXED_ID_SUFFIX[mode]}|proxy`);
      const judged = JUDGED_MODES.includes(mode);
      if (!x && !judged) continue;
      const m = x?.results.length ? summariseMixed(x.results) : undefined;
      const target = `end-to-end p99 < 20 ms at ${fmt(o.mixedRate)} msgs/s through the proxy, ${store}, ${MIXED_SUBSCRIBERS[mode].label}`;
      if (!m) {
        L.push(`| ${target} | not measured | — |`);
        continue;
      }
      const measured = m.rounds > 1 ? `median p99 ${fmt(m.p99, 2)} ms of ${m.rounds} rounds (${m.p99PerRound.map((p) => fmt(p, 1)).join(' · ')}), lost ${m.lost}` : `p99 ${fmt(m.p99, 2)} ms, lost ${m.lost}`;
      const ok = m.p99 < 20 && m.lost === 0 && m.pubErrors === 0 && m.subErrors === 0 && x!.errors.length === 0;
      L.push(`| ${target} | ${measured} | ${judged ? (ok ? 'met' : '**missed**') : 'not judged (one proxied round trip per message)'} |`);
    }
  }
  if (mem) {
    const gwOk = mem.gatewayRssMB.held < 300;
    L.push(`| ${fmt(mem.count)} idle long-polls: gateway RSS < 300 MB | ${fmt(mem.gatewayRssMB.held, 1)} MB (${PATH_NAME[mem.path]}, ${fmt(mem.held)} held) | ${gwOk && mem.held >= mem.count * 0.99 ? 'met' : '**missed**'} |`);
    if (mem.proxyRssMB) {
      const per = mem.proxyRssMB.largestProcess;
      L.push(`| ${fmt(mem.count)} idle long-polls: proxy RSS < 300 MB | ${fmt(mem.proxyRssMB.held, 1)} MB in ${mem.proxyRssMB.processes} processes (largest ${fmt(per, 1)}; PSS sum ${fmt(mem.proxyRssMB.pssHeld, 1)}, shared pages counted once) | ${mem.proxyRssMB.held < 300 && mem.held >= mem.count * 0.99 ? 'met' : '**missed**'} |`);
    } else L.push('| idle long-polls: proxy RSS < 300 MB | proxy not available: measured direct | — |');
  } else L.push('| idle long-polls: RSS < 300 MB | not run (--no-memory) | — |');
  L.push(soak ? `| soak: no heap growth | ${soak.processes.map((p) => `${p.name} ${fmt(p.growthPct, 1)} %`).join(', ')} | ${soak.ok ? 'met' : '**missed**'} |` : '| soak: no heap growth over 5 minutes | not run (use `npm run bench -- --soak 300`) | — |');
  L.push('');

  if (prev) {
    L.push(`### Against the previous run (${prev.machine.date}${(prev.options as { quick?: boolean }).quick !== o.quick ? ', a run of the other mode: compare with care' : ''})`, '');
    L.push(regressions.length ? `Drops over 10 % in msgs/s (re-run to tell a regression from noise on a shared machine):\n\n${regressions.map((x) => `- ${x}`).join('\n')}` : 'No drop over 10 % in msgs/s.', '');
  }
  const load = m.load1;
  if (load.some((l) => l > 0.5)) res.notes.push(`The 1-minute load average was ${load.join(' → ')} (above 0.5): other work shared the CPUs, so req/s is noisy; CPU µs/request and the ratios of one run are the steadier figures.`);
  if (res.notes.length) L.push('### Notes', '', ...res.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}
