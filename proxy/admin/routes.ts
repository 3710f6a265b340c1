// The proxy's own endpoints, on every listener: /alive, /proxy/v1/status, /proxy/metrics (not forwarded).
import type { FrontRequest } from '../front/front-request.js';
import type { FrontResponse } from '../front/front-response.js';
import { sendJson } from '../forward/respond.js';
import { mergeStatus } from './merge-status.js';
import { renderMetrics } from './metrics.js';
import { buildStatus, type ProxyStatus, type StatusSource } from './status.js';

/** Fetches the status of every serving process (cluster workers), this one included; absent = this one only. */
export type StatusCollector = () => Promise<ProxyStatus[]>;

/**
 * /alive answers for the proxy itself, as ehaproxy's monitor did: 200 {"ok":1}, or 503 while draining so that a
 * balancer in front stops sending. The status paths live under /proxy/ because the gateway has its own
 * /v1/status and /metrics, which clients reach through the proxy (routed to the man listener). With workers, the
 * numbers are summed over all of them (whichever worker takes the request).
 */
export function adminHandler(src: StatusSource, collect?: StatusCollector): (req: FrontRequest, res: FrontResponse) => boolean {
  const status = async (): Promise<ProxyStatus> => {
    if (!collect) return buildStatus(src);
    try {
      const all = await collect();
      return all.length > 0 ? mergeStatus(all) : buildStatus(src);
    } catch {
      return buildStatus(src);
    }
  };
  return (req, res) => {
    const url = req.url;
    if (url.charCodeAt(1) !== 97 /* a */ && url.charCodeAt(1) !== 112 /* p */) return false;
    const path = url.split('?', 1)[0];
    if (path === '/alive') {
      if (src.draining()) sendJson(res, 503, '{"errmsg":"proxy draining"}', ['connection', 'close']);
      else sendJson(res, 200, '{"ok":1}');
      return true;
    }
    if (req.method !== 'GET' || (path !== '/proxy/v1/status' && path !== '/proxy/metrics')) return false;
    void status().then((st) => {
      if (path === '/proxy/v1/status') {
        sendJson(res, 200, JSON.stringify(st));
        return;
      }
      const text = renderMetrics(st);
      res.writeHead(200, undefined, ['content-type', 'text/plain; version=0.0.4; charset=utf-8', 'content-length', String(Buffer.byteLength(text))]);
      res.end(text);
    });
    return true;
  };
}
