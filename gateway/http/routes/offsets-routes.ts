// PUT /v1/offsets/:appid/:topic/:ver/:group — explicit ack: everything up to each offset is processed; committed now.
import { badRequest } from '../../../shared/errors.js';
import type { GatewayContext } from '../../gateway-context.js';
import type { Position } from '../../store/store.js';
import { appidSchema, groupSchema, topicSchema, verSchema } from '../names.js';
import { readBody } from '../read-body.js';
import { sendJson } from '../respond.js';
import { errorResponse, type Route } from '../route.js';
import { openSubscription, subHeaders } from './sub-routes.js';

export function offsetsRoutes(gw: GatewayContext): Route[] {
  const commitOffsets: Route = {
    operationId: 'commitOffsets',
    method: 'PUT',
    path: '/v1/offsets/:appid/:topic/:ver/:group',
    listeners: ['sub'],
    summary: 'Acknowledge every message up to the given offset of each partition, and commit',
    tags: ['sub'],
    params: { appid: appidSchema, topic: topicSchema, ver: verSchema, group: groupSchema },
    headers: subHeaders,
    requestBody: {
      required: true,
      description: 'Last processed offset per partition',
      content: {
        'application/json': {
          schema: {
            type: 'array',
            items: {
              type: 'object',
              properties: { partition: { type: 'integer', minimum: 0 }, offset: { type: 'integer', minimum: 0 } },
              required: ['partition', 'offset'],
            },
          },
        },
      },
    },
    responses: {
      '200': { description: 'Committed', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'integer' } } } } } },
      '400': errorResponse('Malformed body'),
      '401': errorResponse('Authentication failed'),
      '403': errorResponse('Not subscribed, or group not registered'),
      '404': errorResponse('Unknown topic'),
    },
    async handle(ctx) {
      const positions = parsePositions(await readBody(ctx.req, gw.config.limits.maxPubBytes));
      const { session } = await openSubscription(gw, { req: ctx.req, params: ctx.params, query: { group: ctx.params['group'], reset: 'oldest' } });
      await session.ackUpTo(positions);
      sendJson(ctx.res, 200, { ok: 1 }, ctx.baseHeaders);
    },
  };
  return [commitOffsets];
}

function parsePositions(body: Buffer): Position[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('body must be a JSON array of {"partition","offset"}');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw badRequest('body must be a non-empty JSON array of {"partition","offset"}');
  return parsed.map((p: unknown, i) => {
    const o = p as Partial<Position> | null;
    if (!o || !Number.isInteger(o.partition) || !Number.isInteger(o.offset) || o.partition! < 0 || o.offset! < 0) {
      throw badRequest(`item ${i}: partition and offset must be non-negative integers`);
    }
    return { partition: o.partition!, offset: o.offset! };
  });
}
