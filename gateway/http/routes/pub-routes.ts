// POST /v1/msgs/:topic/:ver — publish one message (raw body) or, with ?batch=1, a JSON/NDJSON batch.
import type { GatewayContext } from '../../gateway-context.js';
import { Publisher } from '../../pub/publisher.js';
import { parseBatchBody } from '../../pub/batch-body.js';
import { header } from '../headers.js';
import { topicSchema, verSchema } from '../names.js';
import { readBody } from '../read-body.js';
import { JSON_TYPE, sendJsonText } from '../respond.js';
import { errorResponse, type Route } from '../route.js';
import { batchPubReply } from './pub-reply.js';

const positionSchema = {
  type: 'object',
  properties: { partition: { type: 'integer' }, offset: { type: 'integer' } },
  required: ['partition', 'offset'],
} as const;

export function pubRoutes(ctx: GatewayContext): Route[] {
  const publisher = new Publisher(ctx);
  const { limits } = ctx.config;
  const publish: Route = {
    operationId: 'publish',
    method: 'POST',
    path: '/v1/msgs/:topic/:ver',
    listeners: ['pub'],
    summary: 'Publish a message (raw body), or a batch with ?batch=1 (all-or-nothing)',
    tags: ['pub'],
    params: { topic: topicSchema, ver: verSchema },
    query: {
      type: 'object',
      properties: {
        key: { type: 'string', maxLength: 1024, description: `Partition key (≤ ${limits.maxKeyBytes} bytes)` },
        batch: { type: 'integer', enum: [0, 1], default: 0, description: '1: the body is a JSON array or NDJSON of messages' },
        ack: { type: 'string', enum: ['all', 'local'], default: 'all', description: 'local: the leader only (Kafka acks=1)' },
        async: { type: 'integer', enum: [0, 1], description: 'Accepted for compatibility; publishing is always synchronous' },
      },
    },
    headers: [
      { name: 'Appid', description: 'Publishing application id', required: true },
      { name: 'Pubkey', description: 'Publishing application secret', required: true },
      { name: 'X-Tag', description: `Message tag kept as a message header (≤ ${limits.maxTagBytes} bytes)` },
    ],
    requestBody: {
      required: true,
      description: `Raw message (${limits.minPubBytes} B – ${limits.maxPubBytes} B), or a batch`,
      content: {
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'application/json': {
          schema: {
            type: 'array',
            items: {
              oneOf: [
                { type: 'string' },
                {
                  type: 'object',
                  properties: {
                    value: { type: 'string' },
                    key: { type: 'string' },
                    tag: { type: 'string' },
                    encoding: { type: 'string', enum: ['base64'] },
                  },
                  required: ['value'],
                },
              ],
            },
          },
        },
        'application/x-ndjson': { schema: { type: 'string' } },
      },
    },
    responses: {
      '201': {
        description: 'Stored',
        headers: {
          'X-Partition': { description: 'Partition of the (first) message', schema: { type: 'integer' } },
          'X-Offset': { description: 'Offset of the (first) message', schema: { type: 'integer' } },
        },
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                ok: { type: 'integer' },
                partition: { type: 'integer' },
                offset: { type: 'integer' },
                count: { type: 'integer' },
                messages: { type: 'array', items: positionSchema },
              },
              required: ['ok'],
            },
          },
        },
      },
      '400': errorResponse('Bad input (too small message, too big key or tag, malformed batch)'),
      '401': errorResponse('Authentication failed'),
      '403': errorResponse('The app does not own the topic'),
      '404': errorResponse('Unknown topic'),
      '413': errorResponse('Message or batch too big'),
      '503': errorResponse('Store unavailable'),
    },
    async handle({ req, res, params, query, baseHeaders }) {
      const app = ctx.auth.authenticate(header(req, 'appid'), header(req, 'pubkey'));
      const topic = params['topic']!;
      ctx.auth.authorizePublish(app, topic);
      const key = query['key'] as string | undefined;
      const acks = query['ack'] === 'local' ? 'local' : 'all';
      if (query['batch'] === 1) {
        publisher.checkMeta(key, undefined);
        const body = await readBody(req, limits.maxBatchBodyBytes);
        const messages = parseBatchBody(body, header(req, 'content-type') ?? '', key, limits);
        for (const m of messages) {
          publisher.checkValue(m.value);
          publisher.checkMeta(m.key, m.tag);
        }
        const positions = await publisher.publish(app, topic, params['ver']!, messages, { acks });
        const first = positions[0]!;
        sendJsonText(res, 201, batchPubReply(positions), [...baseHeaders, 'X-Partition', first.partition, 'X-Offset', first.offset]);
        return;
      }
      const tag = header(req, 'x-tag');
      publisher.checkMeta(key, tag);
      const value = await readBody(req, limits.maxPubBytes);
      publisher.checkValue(value);
      const [pos] = await publisher.publish(app, topic, params['ver']!, [{ value, key, tag }], { acks });
      const { partition, offset } = pos!;
      const text = `{"ok":1,"partition":${partition},"offset":${offset}}`;
      res.writeHead(201, [...baseHeaders, 'Content-Type', JSON_TYPE, 'Content-Length', text.length, 'X-Partition', partition, 'X-Offset', offset]);
      res.end(text);
    },
  };
  return [publish];
}
