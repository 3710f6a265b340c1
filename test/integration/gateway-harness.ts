// Starts a real gateway on free loopback ports for a test, with a multi-app tenant file and an admin key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { WebSocket } from 'ws';
import { silentLogger } from '../../shared/log.js';
import { fileTenantSource } from '../../gateway/auth/static-tenant-source.js';
import { resolveGatewayConfig, type GatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import type { Listener } from '../../gateway/http/route.js';
import { MemoryStore } from '../../gateway/store/memory/memory-store.js';
import type { Store } from '../../gateway/store/store.js';

export const ADMIN_KEY = 'admin-secret';

/** Apps of the test tenant file: `alpha` owns topics, `beta` consumes alpha's `orders`, `demo` may create topics. */
export const apps = {
  alpha: { id: 'alpha', secret: 'alpha-secret' },
  beta: { id: 'beta', secret: 'beta-secret' },
  demo: { id: 'demo', secret: 'demo' },
} as const;

export interface TestGateway {
  gw: RunningGateway;
  store: Store;
  url(listener: Listener, path: string): string;
  close(): Promise<void>;
}

export async function startTestGateway(overrides: Partial<GatewayConfig> = {}, store: Store = new MemoryStore()): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'kateway-tenants-'));
  const file = join(dir, 'tenants.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        { id: apps.alpha.id, secret: apps.alpha.secret, topics: ['orders', 'events', 'big'], subscriptions: [], groups: ['*'] },
        { id: apps.beta.id, secret: apps.beta.secret, topics: [], subscriptions: ['alpha.orders'], groups: ['billing', 'audit'] },
        { id: apps.demo.id, secret: apps.demo.secret, topics: ['*'], subscriptions: [], groups: ['*'], autoCreateTopics: true },
      ],
    }),
  );
  const config = resolveGatewayConfig({
    id: 'gw-test',
    ports: { pub: 0, sub: 0, man: 0 },
    store: { kind: 'memory' },
    adminKey: ADMIN_KEY,
    ...overrides,
    sub: { longPollMs: 2_000, batchIdleMs: 200, ackDeadlineMs: 30_000, sessionIdleMs: 60_000, commitIntervalMs: 100, maxInflight: 10_000, wsPingMs: 20_000, ...overrides.sub },
  });
  const gw = await startGateway(config, { store, tenants: fileTenantSource(file, ADMIN_KEY), log: silentLogger });
  rmSync(dir, { recursive: true, force: true });
  const scheme = config.tls ? 'https' : 'http';
  return {
    gw,
    store,
    url: (listener, path) => `${scheme}://127.0.0.1:${gw.ports[listener]}${path}`,
    close: () => gw.close(),
  };
}

export const uniq = (prefix: string): string => `${prefix}${Math.random().toString(36).slice(2, 10)}`;

/** Creates a topic through the man API (admin). */
export async function createTopic(t: TestGateway, owner: string, topic: string, partitions = 1): Promise<void> {
  const res = await request(t.url('man', `/v1/topics/${owner}/${topic}/v1?partitions=${partitions}`), {
    method: 'POST',
    headers: { appid: 'admin', pubkey: ADMIN_KEY },
  });
  await res.body.dump();
  if (res.statusCode !== 201) throw new Error(`create topic ${topic}: ${res.statusCode}`);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export async function call(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal } = {},
): Promise<Reply> {
  const res = await request(url, {
    method: (opts.method ?? 'GET') as 'GET',
    headers: opts.headers,
    body: opts.body,
    signal: opts.signal,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, json: <T>() => JSON.parse(body.toString()) as T };
}

export const pubHeaders = (app: { id: string; secret: string }, extra: Record<string, string> = {}): Record<string, string> => ({
  appid: app.id,
  pubkey: app.secret,
  ...extra,
});
export const subHeaders = (app: { id: string; secret: string }, extra: Record<string, string> = {}): Record<string, string> => ({
  appid: app.id,
  subkey: app.secret,
  ...extra,
});

/** Frames arrive in bursts: queue them from the start so none is missed between two awaits. */
export function frames(ws: WebSocket): () => Promise<Record<string, unknown>> {
  const queue: Buffer[] = [];
  const waiting: ((b: Buffer) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const w = waiting.shift();
    if (w) w(data);
    else queue.push(data);
  });
  return async () => {
    const data = queue.shift() ?? (await new Promise<Buffer>((resolve) => waiting.push(resolve)));
    return JSON.parse(data.toString()) as Record<string, unknown>;
  };
}
