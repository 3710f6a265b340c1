// GET /v1/msgs/:appid/:topic/:ver — long-poll subscribe (one raw message, or a chunked batch).
import type { ServerResponse } from 'node:http';
import { badRequest, notFound } from '../../../shared/errors.js';
import type { GatewayContext } from '../../gateway-context.js';
import { DeliveryTracker } from '../../sub/delivery-writer.js';
import type { GroupSession } from '../../sub/group-session.js';
import { encodeBinaryRecord, encodeNdjsonRecord } from '../../sub/record-codec.js';
import { parseTagFilter, pullFiltered } from '../../sub/tag-filter.js';
import type { StoredMessage } from '../../store/store.js';
import { header, headerSafe } from '../headers.js';
import { appidSchema, groupSchema, storeTopic, topicSchema, verSchema } from '../names.js';
import { sendEmpty } from '../respond.js';
import { errorResponse, type HeaderList, type HeaderSpec, type JsonSchema, type RequestContext, type Route } from '../route.js';

export const subHeaders: readonly HeaderSpec[] = [
  { name: 'Appid', description: 'Consuming application id', required: true },
  { name: 'Subkey', description: 'Consuming application secret', required: true },
];

/** The X-Tag filter header of HTTP and WebSocket subscribe. */
export const tagFilterHeader = (maxTagBytes: number): HeaderSpec => ({
  name: 'X-Tag',
  description: `Tag filter t1;t2 (≤ ${maxTagBytes} bytes): only messages whose X-Tag has one of these ;-separated entries are delivered; the others are skipped and count as processed for the group`,
});

export const subQuery = (maxBatch: number): JsonSchema & { type: 'object'; properties: Record<string, JsonSchema> } => ({
  type: 'object',
  properties: {
    group: groupSchema,
    batch: { type: 'integer', minimum: 1, maximum: maxBatch, default: 1, description: 'Messages per response' },
    reset: { type: 'string', enum: ['oldest', 'newest'], default: 'oldest', description: 'Start of a group without offsets' },
    ack: { type: 'integer', enum: [0, 1], default: 0, description: '1: messages count as processed only when acknowledged' },
  },
  required: ['group'],
});

/** Parses the piggy-backed ack headers: both or neither; negative values mean "nothing to ack". */
export function parseAck(ctx: Pick<RequestContext, 'req'>): { partition: number; offset: number } | undefined {
  const p = header(ctx.req, 'x-partition');
  const o = header(ctx.req, 'x-offset');
  if (p === undefined && o === undefined) return undefined;
  if (p === undefined || o === undefined) throw badRequest('partial ack not allowed: send both X-Partition and X-Offset');
  const partition = Number(p);
  const offset = Number(o);
  if (!Number.isInteger(partition) || !Number.isInteger(offset)) throw badRequest('X-Partition and X-Offset must be integers');
  return partition < 0 || offset < 0 ? undefined : { partition, offset };
}

/** Authenticates, authorizes and opens the group session shared by HTTP and WebSocket subscribe. */
export async function openSubscription(
  gw: GatewayContext,
  ctx: Pick<RequestContext, 'req' | 'params' | 'query'>,
): Promise<{ session: GroupSession; subAppid: string }> {
  const app = gw.auth.authenticate(header(ctx.req, 'appid'), header(ctx.req, 'subkey'));
  const { appid: owner, topic, ver } = ctx.params as { appid: string; topic: string; ver: string };
  const group = ctx.query['group'] as string;
  gw.auth.authorizeSubscribe(app, owner, topic, group);
  const name = storeTopic(owner, topic, ver);
  if (!(await gw.store.hasTopic(name))) throw notFound(`topic not found: ${name}`);
  const session = await gw.sessions.acquire(app.id, group, name, ctx.query['reset'] as 'oldest' | 'newest');
  return { session, subAppid: app.id };
}

export function subRoutes(gw: GatewayContext): Route[] {
  const { sub, limits } = gw.config;
  const subscribe: Route = {
    operationId: 'subscribe',
    method: 'GET',
    path: '/v1/msgs/:appid/:topic/:ver',
    listeners: ['sub'],
    summary: 'Long-poll for messages of a topic as a consumer group',
    tags: ['sub'],
    params: { appid: appidSchema, topic: topicSchema, ver: verSchema },
    query: subQuery(limits.maxSubBatch),
    headers: [
      ...subHeaders,
      tagFilterHeader(limits.maxTagBytes),
      { name: 'X-Partition', description: 'ack=1: partition of the last processed message' },
      { name: 'X-Offset', description: 'ack=1: offset of the last processed message' },
      { name: 'Accept', description: 'application/x-ndjson for NDJSON batches instead of binary records' },
    ],
    responses: {
      '200': {
        description: 'batch=1: the message as the body. batch>1: chunked records (int32 partition, int64 offset, int32 length, payload; big-endian) or NDJSON',
        headers: {
          'X-Partition': { description: 'batch=1: partition', schema: { type: 'integer' } },
          'X-Offset': { description: 'batch=1: offset', schema: { type: 'integer' } },
          'X-Key': { description: 'batch=1: message key', schema: { type: 'string' } },
          'X-Tag': { description: 'batch=1: message tag', schema: { type: 'string' } },
        },
        content: {
          'text/plain': { schema: { type: 'string', format: 'binary' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          'application/x-ndjson': { schema: { type: 'string' } },
        },
      },
      '204': { description: `No message within the long-poll time (${sub.longPollMs} ms; from the request's start with a tag filter)` },
      '400': errorResponse('Bad input (group, batch, partial ack, too big tag filter, group bound to another topic)'),
      '401': errorResponse('Authentication failed'),
      '403': errorResponse('Not subscribed, or group not registered'),
      '404': errorResponse('Unknown topic'),
      '503': errorResponse('Store unavailable'),
    },
    async handle(ctx) {
      const ack = parseAck(ctx);
      const filter = parseTagFilter(header(ctx.req, 'x-tag'), limits.maxTagBytes);
      const { session, subAppid } = await openSubscription(gw, ctx);
      if (ack) session.ack(ack.partition, ack.offset);
      const batch = ctx.query['batch'] as number;
      const tracker = new DeliveryTracker(gw, session, ctx.query['ack'] === 1, subAppid);
      ctx.res.once('close', () => tracker.settle(ctx.res.writableFinished));
      const skipped = (n: number): void => gw.metrics.sub(subAppid, session.topic).filtered.inc(n);
      const first = await pullFiltered(session, filter, batch, sub.longPollMs, ctx.signal, skipped);
      if (!first) {
        sendEmpty(ctx.res, 204, ctx.baseHeaders);
        return;
      }
      tracker.add(first);
      if (batch === 1) {
        writeOne(ctx.res, first.messages[0]!, ctx.baseHeaders);
        return;
      }
      const ndjson = (header(ctx.req, 'accept') ?? '').includes('application/x-ndjson');
      const encode = ndjson ? encodeNdjsonRecord : encodeBinaryRecord;
      ctx.res.writeHead(200, [...ctx.baseHeaders, 'Content-Type', ndjson ? 'application/x-ndjson' : 'application/octet-stream']);
      let sent = writeAll(ctx.res, first.messages, encode);
      while (sent < batch && !ctx.signal.aborted) {
        const next = await pullFiltered(session, filter, batch - sent, sub.batchIdleMs, ctx.signal, skipped);
        if (!next) break;
        tracker.add(next);
        sent += writeAll(ctx.res, next.messages, encode);
      }
      ctx.res.end();
    },
  };
  return [subscribe];
}

function writeOne(res: ServerResponse, m: StoredMessage, base: HeaderList): void {
  const headers = [...base, 'Content-Type', TEXT_TYPE, 'Content-Length', m.value.length, 'X-Partition', m.partition, 'X-Offset', m.offset];
  if (m.key !== null) headers.push('X-Key', headerSafe(m.key.toString('utf8')));
  if (m.tag !== null) headers.push('X-Tag', headerSafe(m.tag));
  res.writeHead(200, headers);
  res.end(m.value);
}

const TEXT_TYPE = 'text/plain; charset=utf8';

function writeAll(res: ServerResponse, messages: readonly StoredMessage[], encode: (m: StoredMessage) => Buffer): number {
  res.write(messages.length === 1 ? encode(messages[0]!) : Buffer.concat(messages.map(encode)));
  return messages.length;
}
