// The proxy's own endpoints, on every listener: /alive, /proxy/v1/status, /proxy/metrics (not forwarded).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../forward/respond.js';
import { renderMetrics } from './metrics.js';
import { buildStatus, type StatusSource } from './status.js';

/**
 * /alive answers for the proxy itself, as ehaproxy's monitor did: 200 {"ok":1}, or 503 while draining so that a
 * balancer in front stops sending. The status paths live under /proxy/ because the gateway has its own
 * /v1/status and /metrics, which clients reach through the proxy (routed to the man listener).
 */
export function adminHandler(src: StatusSource): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (url.charCodeAt(1) !== 97 /* a */ && url.charCodeAt(1) !== 112 /* p */) return false;
    const path = url.split('?', 1)[0];
    if (path === '/alive') {
      if (src.draining()) sendJson(res, 503, '{"errmsg":"proxy draining"}', ['connection', 'close']);
      else sendJson(res, 200, '{"ok":1}');
      return true;
    }
    if (req.method !== 'GET') return false;
    if (path === '/proxy/v1/status') {
      sendJson(res, 200, JSON.stringify(buildStatus(src)));
      return true;
    }
    if (path === '/proxy/metrics') {
      const text = renderMetrics(src);
      res.writeHead(200, ['content-type', 'text/plain; version=0.0.4; charset=utf-8', 'content-length', String(Buffer.byteLength(text))]);
      res.end(text);
      return true;
    }
    return false;
  };
}
