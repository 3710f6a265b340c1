// GET /proxy/metrics: the same counters as the status page in Prometheus text format, read at scrape time.
import { SERVICES } from '../upstream/host.js';
import type { HostStats } from '../upstream/host.js';
import type { FrontStats } from './front-stats.js';
import type { StatusSource } from './status.js';

type HostCounter = { name: string; help: string; read: (s: HostStats) => number };

const HOST_COUNTERS: readonly HostCounter[] = [
  { name: 'requests_total', help: 'Requests and WebSocket sessions sent to the gateway listener', read: (s) => s.requests },
  { name: 'bytes_in_total', help: 'Request body bytes sent to the gateway listener', read: (s) => s.bytesIn },
  { name: 'bytes_out_total', help: 'Response body bytes received from the gateway listener', read: (s) => s.bytesOut },
  { name: 'connect_errors_total', help: 'Connections refused or not opened in time', read: (s) => s.connectErrors },
  { name: 'send_errors_total', help: 'Requests that failed after being sent', read: (s) => s.sendErrors },
  { name: 'timeouts_total', help: 'Responses that did not arrive in time', read: (s) => s.timeouts },
  { name: 'retried_total', help: 'Never-sent requests re-sent to another gateway', read: (s) => s.retried },
  { name: 'client_aborts_total', help: 'Clients that left before the response completed', read: (s) => s.clientAborts },
  { name: 'ejections_detected_total', help: 'Times the outlier detector flagged the listener', read: (s) => s.ejectionsDetected },
  { name: 'ejections_enforced_total', help: 'Times the listener was actually ejected', read: (s) => s.ejectionsEnforced },
];

const FRONT_COUNTERS: readonly (keyof FrontStats)[] = [
  'requests',
  'upgrades',
  'rateLimited',
  'noUpstream',
  'unreachable',
  'failed',
  'timeouts',
  'clientAborts',
  'retries',
];

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function renderMetrics(src: StatusSource): string {
  const out: string[] = [];
  const hosts = SERVICES.flatMap((s) => src.registry.set(s).hosts);
  const labels = (h: (typeof hosts)[number]): string => `{service="${h.service}",gateway="${esc(h.gatewayId)}",address="${esc(h.address)}"}`;
  for (const c of HOST_COUNTERS) {
    const name = `kateway_proxy_upstream_${c.name}`;
    out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
    for (const h of hosts) out.push(`${name}${labels(h)} ${c.read(h.stats)}`);
  }
  out.push('# HELP kateway_proxy_upstream_responses_total Responses by status class', '# TYPE kateway_proxy_upstream_responses_total counter');
  for (const h of hosts) {
    for (let k = 1; k <= 5; k++) out.push(`kateway_proxy_upstream_responses_total${labels(h).slice(0, -1)},code="${k}xx"} ${h.stats.responses[k]}`);
  }
  out.push('# HELP kateway_proxy_upstream_inflight Requests and tunnels open now', '# TYPE kateway_proxy_upstream_inflight gauge');
  for (const h of hosts) out.push(`kateway_proxy_upstream_inflight${labels(h)} ${h.inflight}`);
  out.push('# HELP kateway_proxy_upstream_ejected 1 while the outlier detector has the listener out', '# TYPE kateway_proxy_upstream_ejected gauge');
  for (const h of hosts) out.push(`kateway_proxy_upstream_ejected${labels(h)} ${h.ejected ? 1 : 0}`);
  for (const k of FRONT_COUNTERS) {
    const name = `kateway_proxy_${snake(k)}_total`;
    out.push(`# HELP ${name} Front-side ${k} (this worker)`, `# TYPE ${name} counter`, `${name} ${src.front[k]}`);
  }
  const d = src.registry.stats;
  out.push(
    '# HELP kateway_proxy_gateways Gateways in the live set',
    '# TYPE kateway_proxy_gateways gauge',
    `kateway_proxy_gateways ${d.gateways}`,
    '# HELP kateway_proxy_discovery_empty_ignored_total Empty discovery snapshots ignored (last good set kept)',
    '# TYPE kateway_proxy_discovery_empty_ignored_total counter',
    `kateway_proxy_discovery_empty_ignored_total ${d.emptyIgnored}`,
    '# HELP kateway_proxy_websocket_tunnels WebSocket tunnels open now',
    '# TYPE kateway_proxy_websocket_tunnels gauge',
    `kateway_proxy_websocket_tunnels ${src.tunnels()}`,
  );
  return out.join('\n') + '\n';
}
