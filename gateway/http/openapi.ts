// Builds the OpenAPI 3 document of the v1 API from the route declarations (one source of truth).
import type { Route } from './route.js';

/** `/v1/msgs/:topic/:ver` → `/v1/msgs/{topic}/{ver}` */
export const openapiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function buildOpenApi(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(r.params ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    for (const [name, schema] of Object.entries(r.query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: r.query?.required?.includes(name) ?? false, schema });
    }
    for (const h of r.headers ?? []) {
      parameters.push({ name: h.name, in: 'header', required: h.required ?? false, description: h.description, schema: h.schema ?? { type: 'string' } });
    }
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      parameters,
      responses: r.websocket ? { '101': { description: 'Switching to WebSocket' }, ...r.responses } : r.responses,
    };
    if (r.requestBody) op['requestBody'] = r.requestBody;
    if (r.websocket) op['x-websocket'] = true;
    (paths[openapiPath(r.path)] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'kateway v1',
      version,
      description: 'RESTful Pub/Sub: publish with POST, subscribe with long-poll GET, chunked batches or WebSocket. Errors are JSON {"errmsg": ...}.',
    },
    servers: [{ url: '/' }],
    paths,
  };
}
