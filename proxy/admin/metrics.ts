// GET /proxy/metrics: the status document in Prometheus text format (cluster-wide when workers are summed).
import type { SERVICES } from '../upstream/host.js';
import type { FrontStats } from './front-stats.js';
import type { ListenerStatus, ProxyStatus } from './status.js';

type Counter = { name: string; help: string; read: (l: ListenerStatus) => number };

const LISTENER_COUNTERS: readonly Counter[] = [
  { name: 'requests_total', help: 'Requests and WebSocket sessions sent to the gateway listener', read: (l) => l.totalSessions },
  { name: 'bytes_in_total', help: 'Request body bytes sent to the gateway listener', read: (l) => l.bytesIn },
  { name: 'bytes_out_total', help: 'Response body bytes received from the gateway listener', read: (l) => l.bytesOut },
  { name: 'connect_errors_total', help: 'Connections refused or not opened in time', read: (l) => l.connectErrors },
  { name: 'send_errors_total', help: 'Requests that failed after being sent', read: (l) => l.sendErrors },
  { name: 'timeouts_total', help: 'Responses that did not arrive in time', read: (l) => l.timeouts },
  { name: 'retried_total', help: 'Never-sent requests re-sent to another gateway', read: (l) => l.retried },
  { name: 'client_aborts_total', help: 'Clients that left before the response completed', read: (l) => l.clientAborts },
  { name: 'ejections_detected_total', help: 'Times the outlier detector flagged the listener', read: (l) => l.ejectionsDetected },
  { name: 'ejections_enforced_total', help: 'Times the listener was actually ejected', read: (l) => l.ejectionsEnforced },
];

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function renderMetrics(st: ProxyStatus): string {
  const out: string[] = [];
  const rows: { labels: string; l: ListenerStatus }[] = [];
  for (const g of st.gateways) {
    for (const svc of ['pub', 'sub', 'man'] as (typeof SERVICES)[number][]) {
      const l = g.listeners[svc];
      if (l) rows.push({ labels: `service="${svc}",gateway="${esc(g.id)}",address="${esc(l.address)}"`, l });
    }
  }
  for (const c of LISTENER_COUNTERS) {
    const name = `kateway_proxy_upstream_${c.name}`;
    out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
    for (const r of rows) out.push(`${name}{${r.labels}} ${c.read(r.l)}`);
  }
  out.push('# HELP kateway_proxy_upstream_responses_total Responses by status class', '# TYPE kateway_proxy_upstream_responses_total counter');
  for (const r of rows) for (const [code, n] of Object.entries(r.l.responses)) out.push(`kateway_proxy_upstream_responses_total{${r.labels},code="${code}"} ${n}`);
  out.push('# HELP kateway_proxy_upstream_inflight Requests and tunnels open now', '# TYPE kateway_proxy_upstream_inflight gauge');
  for (const r of rows) out.push(`kateway_proxy_upstream_inflight{${r.labels}} ${r.l.currentSessions}`);
  out.push('# HELP kateway_proxy_upstream_ejected 1 while the outlier detector has the listener out', '# TYPE kateway_proxy_upstream_ejected gauge');
  for (const r of rows) out.push(`kateway_proxy_upstream_ejected{${r.labels}} ${r.l.ejected ? 1 : 0}`);
  for (const k of Object.keys(st.front) as (keyof FrontStats)[]) {
    const name = `kateway_proxy_${snake(k)}_total`;
    out.push(`# HELP ${name} Front-side ${k}`, `# TYPE ${name} counter`, `${name} ${st.front[k]}`);
  }
  out.push(
    '# HELP kateway_proxy_gateways Gateways in the live set',
    '# TYPE kateway_proxy_gateways gauge',
    `kateway_proxy_gateways ${st.discovery.gateways}`,
    '# HELP kateway_proxy_discovery_empty_ignored_total Empty discovery snapshots ignored (last good set kept)',
    '# TYPE kateway_proxy_discovery_empty_ignored_total counter',
    `kateway_proxy_discovery_empty_ignored_total ${st.discovery.emptyIgnored}`,
    '# HELP kateway_proxy_websocket_tunnels WebSocket tunnels open now',
    '# TYPE kateway_proxy_websocket_tunnels gauge',
    `kateway_proxy_websocket_tunnels ${st.websocketTunnels}`,
    '# HELP kateway_proxy_workers Serving processes summed into these numbers',
    '# TYPE kateway_proxy_workers gauge',
    `kateway_proxy_workers ${st.pids.length}`,
  );
  return out.join('\n') + '\n';
}
