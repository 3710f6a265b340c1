// Test harness: N fake gateways, a StaticGatewaySource, an in-process proxy on a free port, and a small HTTP client.
import { Agent, request, type Dispatcher } from 'undici';
import { silentLogger } from '../../shared/log.js';
import { StaticGatewaySource } from '../../shared/discovery/static-gateway-source.js';
import { startProxy, type ProxyDeps, type ProxyHandle, type ProxyOptions } from '../main.js';
import { FakeGateway } from './fake-gateway.js';

export interface Harness {
  gateways: FakeGateway[];
  source: StaticGatewaySource;
  proxy: ProxyHandle;
  url: string;
  agent: Agent;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** PROXY_TEST_CLIENT=undici runs the same suites over the undici client instead of the native one. */
const testClient = process.env.PROXY_TEST_CLIENT === 'undici' ? ({ client: 'undici' } as const) : {};

export const testOptions = (o: ProxyOptions = {}): ProxyOptions => ({
  workers: 0,
  drainTimeoutMs: 5_000,
  ...o,
  upstream: { ...testClient, ...o.upstream },
  listeners: o.listeners ?? [{ host: '127.0.0.1', port: 0 }],
});

export async function startHarness(
  n: number,
  opts: ProxyOptions = {},
  deps: Partial<ProxyDeps> = {},
): Promise<Harness> {
  const gateways = await Promise.all(Array.from({ length: n }, (_, i) => FakeGateway.start(`gw${i + 1}`)));
  const source = new StaticGatewaySource(gateways.map((g) => g.endpoint()));
  const proxy = await startProxy(testOptions(opts), { logger: silentLogger, ...deps, source });
  const url = `http://127.0.0.1:${proxy.address.port}`;
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const call = (method: string, path: string, o: CallOptions = {}) => send(agent, `${url}${path}`, method, o);
  return {
    gateways,
    source,
    proxy,
    url,
    agent,
    call,
    async close() {
      await agent.close();
      await proxy.close();
      await Promise.all(gateways.map((g) => g.close()));
    },
  };
}

export async function send(dispatcher: Dispatcher, url: string, method: string, o: CallOptions = {}): Promise<Reply> {
  const r = await request(url, { method: method as Dispatcher.HttpMethod, headers: o.headers, body: o.body, dispatcher });
  const body = Buffer.from(await r.body.arrayBuffer());
  return {
    status: r.statusCode,
    headers: r.headers,
    body,
    text: body.toString(),
    json: <T>() => JSON.parse(body.toString()) as T,
  };
}

/** Polls `check` until it returns true or `ms` pass (no fixed sleeps: returns as soon as the condition holds). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5)); // poll interval, not a fixed wait
  }
}
