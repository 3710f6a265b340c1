// Liveness, gateway status, Prometheus metrics and the OpenAPI document, on every listener.
import type { GatewayContext } from '../../gateway-context.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';

const everywhere = ['pub', 'sub', 'man'] as const;

export function statusRoutes(gw: GatewayContext, openapi: () => unknown): Route[] {
  const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' as const } } } });
  return [
    {
      operationId: 'alive',
      method: 'GET',
      path: '/alive',
      listeners: everywhere,
      summary: 'Liveness: 200 while the gateway serves, 503 once it drains',
      tags: ['ops'],
      responses: { '200': json('Alive'), '503': json('Draining') },
      handle({ res, baseHeaders }) {
        if (gw.draining()) sendJson(res, 503, { errmsg: 'draining' }, baseHeaders);
        else sendJson(res, 200, { ok: 1 }, baseHeaders);
      },
    },
    {
      operationId: 'status',
      method: 'GET',
      path: '/v1/status',
      listeners: everywhere,
      summary: 'Gateway id, version, uptime, connections, sessions',
      tags: ['ops'],
      responses: { '200': json('Status') },
      handle({ res, baseHeaders }) {
        sendJson(
          res,
          200,
          {
            id: gw.config.id,
            zone: gw.config.zone,
            version: gw.version,
            store: gw.store.kind,
            uptimeSec: Math.round((Date.now() - gw.startedAt) / 1000),
            connections: gw.connections(),
            sessions: gw.sessions.size,
            draining: gw.draining(),
          },
          baseHeaders,
        );
      },
    },
    {
      operationId: 'metrics',
      method: 'GET',
      path: '/metrics',
      listeners: everywhere,
      summary: 'Prometheus metrics: pub/sub counts, bytes and latency histograms per app and topic',
      tags: ['ops'],
      responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      handle({ res, baseHeaders }) {
        const text = gw.metrics.registry.render();
        res.writeHead(200, [...baseHeaders, 'Content-Type', 'text/plain; version=0.0.4', 'Content-Length', Buffer.byteLength(text)]);
        res.end(text);
      },
    },
    {
      operationId: 'openapi',
      method: 'GET',
      path: '/v1/openapi.json',
      listeners: everywhere,
      summary: 'This API as an OpenAPI 3 document',
      tags: ['ops'],
      responses: { '200': json('OpenAPI 3.0 document') },
      handle({ res, baseHeaders }) {
        sendJson(res, 200, openapi(), baseHeaders);
      },
    },
  ];
}
