// Man API: create and list topics, partitions with offsets, and a group's lag (as in the original).
import { header } from '../headers.js';
import { appidSchema, groupSchema, storeTopic, topicSchema, verSchema } from '../names.js';
import { sendJson } from '../respond.js';
import { errorResponse, type HeaderSpec, type Route } from '../route.js';
import { notFound } from '../../../shared/errors.js';
import type { GatewayContext } from '../../gateway-context.js';
import { storeGroupId } from '../../sub/session-registry.js';
import { subHeaders } from './sub-routes.js';

const adminHeaders: readonly HeaderSpec[] = [
  { name: 'Appid', description: 'Admin id (admin)', required: true },
  { name: 'Pubkey', description: 'Admin key (KATEWAY_ADMIN_KEY)', required: true },
];
const topicParams = { appid: appidSchema, topic: topicSchema, ver: verSchema };
const obj = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' as const } } } });
const authErrors = { '401': errorResponse('Authentication failed'), '403': errorResponse('Not allowed') };

export function topicRoutes(gw: GatewayContext): Route[] {
  const admin = (req: Parameters<typeof header>[0]): void => gw.auth.authenticateAdmin(header(req, 'appid'), header(req, 'pubkey'));
  return [
    {
      operationId: 'createTopic',
      method: 'POST',
      path: '/v1/topics/:appid/:topic/:ver',
      listeners: ['man'],
      summary: 'Create a topic owned by appid (admin)',
      tags: ['man'],
      params: topicParams,
      query: {
        type: 'object',
        properties: {
          partitions: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
          replicas: { type: 'integer', minimum: 1, maximum: 7, default: 1 },
        },
      },
      headers: adminHeaders,
      responses: { '201': obj('Created'), '200': obj('Already existed'), '400': errorResponse('Bad input'), ...authErrors },
      async handle({ req, res, params, query, baseHeaders }) {
        admin(req);
        const name = storeTopic(params['appid']!, params['topic']!, params['ver']!);
        const created = await gw.store.createTopic(name, {
          partitions: query['partitions'] as number,
          replicationFactor: query['replicas'] as number,
        });
        sendJson(res, created ? 201 : 200, { ok: 1, topic: name, created }, baseHeaders);
      },
    },
    {
      operationId: 'listTopics',
      method: 'GET',
      path: '/v1/topics',
      listeners: ['man'],
      summary: 'List store topics (admin)',
      tags: ['man'],
      headers: adminHeaders,
      responses: { '200': obj('Topics'), ...authErrors },
      async handle({ req, res, baseHeaders }) {
        admin(req);
        sendJson(res, 200, { topics: (await gw.store.listTopics()).sort() }, baseHeaders);
      },
    },
    {
      operationId: 'partitions',
      method: 'GET',
      path: '/v1/partitions/:appid/:topic/:ver',
      listeners: ['man'],
      summary: 'Partitions of a topic with their oldest and latest offsets (admin)',
      tags: ['man'],
      params: topicParams,
      headers: adminHeaders,
      responses: { '200': obj('{"num":N,"offsets":{p:{"oldest","latest"}}}'), '404': errorResponse('Unknown topic'), ...authErrors },
      async handle({ req, res, params, baseHeaders }) {
        admin(req);
        const name = storeTopic(params['appid']!, params['topic']!, params['ver']!);
        if (!(await gw.store.hasTopic(name))) throw notFound(`topic not found: ${name}`);
        const parts = await gw.store.partitions(name);
        const offsets = Object.fromEntries(parts.map((p) => [p.partition, { oldest: p.oldest, latest: p.latest }]));
        sendJson(res, 200, { num: parts.length, offsets }, baseHeaders);
      },
    },
    {
      operationId: 'groupStatus',
      method: 'GET',
      path: '/v1/status/:appid/:topic/:ver',
      listeners: ['man'],
      summary: "My group's position and lag per partition on a topic",
      tags: ['man'],
      params: topicParams,
      query: { type: 'object', properties: { group: groupSchema }, required: ['group'] },
      headers: subHeaders,
      responses: { '200': obj('Per partition: pold (oldest), pubd (latest), subd (committed), lag'), '404': errorResponse('Unknown topic'), ...authErrors },
      async handle({ req, res, params, query, baseHeaders }) {
        const app = gw.auth.authenticate(header(req, 'appid'), header(req, 'subkey'));
        const group = query['group'] as string;
        gw.auth.authorizeSubscribe(app, params['appid']!, params['topic']!, group);
        const name = storeTopic(params['appid']!, params['topic']!, params['ver']!);
        if (!(await gw.store.hasTopic(name))) throw notFound(`topic not found: ${name}`);
        const [parts, committed] = await Promise.all([gw.store.partitions(name), gw.store.committed(name, storeGroupId(app.id, group))]);
        const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
        const rows = parts.map((p) => {
          const subd = byPartition.get(p.partition) ?? -1;
          return { partition: p.partition, pold: p.oldest, pubd: p.latest, subd, lag: p.latest - Math.max(subd, p.oldest) };
        });
        sendJson(res, 200, { group, topic: name, partitions: rows }, baseHeaders);
      },
    },
  ];
}
