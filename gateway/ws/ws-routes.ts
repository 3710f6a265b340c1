// WebSocket subscribe (messages as frames, acks over the socket) and WebSocket publish (one message per frame).
import { setImmediate } from 'node:timers/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { GatewayContext } from '../gateway-context.js';
import { header } from '../http/headers.js';
import { appidSchema, topicSchema, verSchema } from '../http/names.js';
import { errorResponse, type Route } from '../http/route.js';
import { openSubscription, subHeaders, subQuery, tagFilterHeader } from '../http/routes/sub-routes.js';
import { Publisher } from '../pub/publisher.js';
import { DeliveryTracker } from '../sub/delivery-writer.js';
import type { GroupSession } from '../sub/group-session.js';
import { encodeBinaryRecord, messageToJson } from '../sub/record-codec.js';
import { parseTagFilter, pullFiltered, type TagFilter } from '../sub/tag-filter.js';
import { keepAlive } from './heartbeat.js';
import { toAppError } from '../http/respond.js';

export function wsRoutes(gw: GatewayContext): { routes: Route[]; close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: gw.config.limits.maxPubBytes });
  const publisher = new Publisher(gw);
  const upgraded = { '101': { description: 'Switched to WebSocket' }, '401': errorResponse('Authentication failed'), '403': errorResponse('Not allowed') };

  const subscribe: Route = {
    operationId: 'subscribeWebSocket',
    method: 'GET',
    path: '/v1/ws/msgs/:appid/:topic/:ver',
    listeners: ['sub'],
    websocket: true,
    summary:
      'WebSocket subscribe: each message is a text frame {partition,offset,key,tag,timestamp,value} (binary records with format=binary); with ack=1 send {"partition":p,"offset":o} frames to acknowledge',
    tags: ['sub'],
    params: { appid: appidSchema, topic: topicSchema, ver: verSchema },
    query: {
      ...subQuery(gw.config.limits.maxSubBatch),
      properties: { ...subQuery(gw.config.limits.maxSubBatch).properties, format: { type: 'string', enum: ['json', 'binary'], default: 'json' }, tag: { type: 'string', description: 'For browsers, which cannot set headers: the X-Tag filter' } },
    },
    headers: [...subHeaders, tagFilterHeader(gw.config.limits.maxTagBytes)],
    responses: { ...upgraded, '400': errorResponse('Bad input (group, batch, too big tag filter)'), '404': errorResponse('Unknown topic') },
    handle() {},
    async handleUpgrade(u) {
      const filter = parseTagFilter(header(u.req, 'x-tag') ?? (u.query['tag'] as string | undefined), gw.config.limits.maxTagBytes);
      const { session, subAppid } = await openSubscription(gw, u);
      wss.handleUpgrade(u.req, u.socket, u.head, (ws) => {
        void streamToSocket(gw, ws, session, subAppid, u.query, filter);
      });
    },
  };

  const publish: Route = {
    operationId: 'publishWebSocket',
    method: 'GET',
    path: '/v1/ws/msgs/:topic/:ver',
    listeners: ['pub'],
    websocket: true,
    summary: 'WebSocket publish: every frame is one message; each is answered in order with {"ok":1,"partition","offset"} or {"errmsg"}',
    tags: ['pub'],
    params: { topic: topicSchema, ver: verSchema },
    query: {
      type: 'object',
      properties: {
        key: { type: 'string', maxLength: 1024 },
        appid: { type: 'string', description: 'For browsers, which cannot set headers: app id' },
        pubkey: { type: 'string', description: 'For browsers, which cannot set headers: app secret' },
      },
    },
    headers: [
      { name: 'Appid', description: 'Publishing application id', required: false },
      { name: 'Pubkey', description: 'Publishing application secret', required: false },
    ],
    responses: upgraded,
    handle() {},
    async handleUpgrade(u) {
      const app = gw.auth.authenticate(header(u.req, 'appid') ?? (u.query['appid'] as string | undefined), header(u.req, 'pubkey') ?? (u.query['pubkey'] as string | undefined));
      const { topic, ver } = u.params as { topic: string; ver: string };
      gw.auth.authorizePublish(app, topic);
      const key = u.query['key'] as string | undefined;
      publisher.checkMeta(key, undefined);
      wss.handleUpgrade(u.req, u.socket, u.head, (ws) => {
        keepAlive(ws, gw.config.sub.wsPingMs);
        let chain = Promise.resolve();
        ws.on('message', (data: RawData) => {
          const value = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
          chain = chain.then(async () => {
            try {
              publisher.checkValue(value);
              const [pos] = await publisher.publish(app, topic, ver, [{ value, key }], { acks: 'all' });
              ws.send(JSON.stringify({ ok: 1, partition: pos!.partition, offset: pos!.offset }));
            } catch (err) {
              ws.send(JSON.stringify({ errmsg: toAppError(err, gw.log).message }));
            }
          });
        });
      });
    },
  };

  return {
    routes: [subscribe, publish],
    /** Sends every socket a 1001 close frame, waits up to 2 s for the handshakes, then cuts what is left. */
    async close() {
      const open = [...wss.clients];
      const closed = open.map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
      for (const ws of open) ws.close(1001, 'server shutting down');
      const timer = setTimeout(() => open.forEach((ws) => ws.terminate()), 2_000);
      await Promise.all(closed);
      clearTimeout(timer);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Longest a WebSocket streams a backlog before other requests and sockets of the process get a turn, ms. */
const WS_SLICE_MS = 20;
/** A pull that took this long waited for a message, so the event loop ran meanwhile: a new slice starts, ms. */
const WAITED_MS = 1;

async function streamToSocket(gw: GatewayContext, ws: WebSocket, session: GroupSession, subAppid: string, query: Record<string, unknown>, filter: TagFilter | undefined): Promise<void> {
  const ackMode = query['ack'] === 1;
  const binary = query['format'] === 'binary';
  const batch = query['batch'] as number;
  const closed = new AbortController();
  const skipped = (n: number): void => gw.metrics.sub(subAppid, session.topic).filtered.inc(n);
  keepAlive(ws, gw.config.sub.wsPingMs);
  ws.on('close', () => closed.abort());
  ws.on('message', (data: RawData, isBinary: boolean) => {
    try {
      if (isBinary) throw new Error('acks are text frames');
      const ack = JSON.parse(String(data)) as { partition?: unknown; offset?: unknown };
      if (!Number.isInteger(ack.partition) || !Number.isInteger(ack.offset)) throw new Error('bad ack');
      session.ack(ack.partition as number, ack.offset as number);
    } catch {
      ws.send(JSON.stringify({ errmsg: 'ack frames are JSON {"partition":p,"offset":o}' }));
    }
  });
  let sliceStart = performance.now();
  while (!closed.signal.aborted) {
    let delivery;
    const pullStarted = performance.now();
    try {
      delivery = await pullFiltered(session, filter, batch, gw.config.sub.longPollMs, closed.signal, skipped);
      if (performance.now() - pullStarted >= WAITED_MS) sliceStart = performance.now();
    } catch (err) {
      ws.close(1011, toAppError(err, gw.log).message.slice(0, 120));
      return;
    }
    if (!delivery) {
      // The session ended (idle close, shutdown, store failure): a pull would answer at once forever. The client
      // reconnects and gets a fresh session; unacknowledged messages are delivered again.
      if (!session.serving) {
        ws.close(1001, 'session ended; reconnect');
        return;
      }
      continue;
    }
    const tracker = new DeliveryTracker(gw, session, ackMode, subAppid);
    tracker.add(delivery);
    const sends = delivery.messages.map(
      (m) =>
        new Promise<boolean>((resolve) =>
          ws.send(binary ? encodeBinaryRecord(m) : JSON.stringify(messageToJson(m)), { binary }, (err) => resolve(!err)),
        ),
    );
    // Waiting for the socket to take the frames is the backpressure: a slow client gets no more than it reads.
    const written = (await Promise.all(sends)).every(Boolean);
    tracker.settle(written);
    // With a backlog, every pull answers at once and a fast client takes every frame synchronously, so this loop
    // would run on microtasks alone and starve every other request and socket of the process until the backlog is
    // drained. It gives the event loop a turn every slice of continuous streaming; not after every delivery, which
    // would cap the socket at one message per event-loop turn (tens of ms on a busy host).
    if (performance.now() - sliceStart >= WS_SLICE_MS) {
      await setImmediate();
      sliceStart = performance.now();
    }
  }
}
