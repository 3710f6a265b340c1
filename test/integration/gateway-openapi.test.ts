// The served OpenAPI document matches the routes: every operation exists, and every route is documented.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestGateway, type TestGateway } from './gateway-harness.js';

describe('Gateway > OpenAPI document', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  it('is a valid-looking OpenAPI 3 document listing the v1 API', async () => {
    const doc = (await call(t.url('man', '/v1/openapi.json'))).json<{ openapi: string; paths: Record<string, Record<string, { operationId: string; responses: object }>> }>();
    assert.match(doc.openapi, /^3\./);
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of ['publish', 'subscribe', 'commitOffsets', 'subscribeWebSocket', 'publishWebSocket', 'alive', 'status', 'metrics', 'createTopic', 'partitions', 'groupStatus']) {
      assert.ok(ops.includes(id), `missing ${id}`);
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) assert.ok(Object.keys(op.responses).length > 0, `${m} ${path} has responses`);
    }
  });

  it('every documented operation is routed on some listener (no 404 or 405)', async () => {
    const doc = (await call(t.url('man', '/v1/openapi.json'))).json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, (m) => (m === '{ver}' ? 'v1' : 'x'));
      for (const method of Object.keys(methods)) {
        const answers = await Promise.all(
          (['pub', 'sub', 'man'] as const).map((l) => call(t.url(l, concrete), { method: method.toUpperCase(), body: method === 'get' ? undefined : 'x' })),
        );
        const routed = answers.filter((r) => r.status !== 405 && !(r.status === 404 && /no route/.test(r.body.toString())));
        assert.ok(routed.length > 0, `${method} ${path} is not routed: ${answers.map((a) => a.status).join(',')}`);
      }
    }
  });
});
