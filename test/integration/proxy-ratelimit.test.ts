// Global rate limits end to end: two real proxies share limits through real Redis, fall back while it is down, 429s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { silentLogger } from '../../shared/log.js';
import { StaticGatewaySource } from '../../shared/discovery/static-gateway-source.js';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../proxy/main.js';
import { RedisRateLimits, type RedisLimitOptions } from '../../proxy/ratelimit/redis-limiter.js';
import { FakeGateway } from '../../proxy/testing/fake-gateway.js';
import { send, testOptions, type Reply } from '../../proxy/testing/proxy-harness.js';
import type { PrivateServer } from '../helpers/private-server.js';
import { startPrivateRedis } from '../helpers/redis-server.js';
import { requireRedis } from '../helpers/services.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

/** One proxy process's worth: its own Redis connection (RedisRateLimits), proxy and client agent. */
interface Edge {
  limits: RedisRateLimits;
  proxy: ProxyHandle;
  agent: Agent;
  pub(appid: string, body?: string | Buffer, topic?: string): Promise<Reply>;
}

/** Two proxies in front of the same two gateways, as two proxy processes would be. */
class Fleet {
  readonly edges: Edge[] = [];
  gateways: FakeGateway[] = [];

  static async start(redisUrl: string, opts: ProxyOptions, limitOpts: Partial<RedisLimitOptions> = {}): Promise<Fleet> {
    const f = new Fleet();
    f.gateways = await Promise.all([FakeGateway.start('gw1'), FakeGateway.start('gw2')]);
    const source = new StaticGatewaySource(f.gateways.map((g) => g.endpoint()));
    const keyPrefix = uniqueName('rl');
    for (let i = 0; i < 2; i++) {
      // Command timeout 2 s: on a starved test machine an event-loop stall longer than the timeout fails calls whose
      // replies already arrived (timers run before I/O), and the exact counts below would include local decisions.
      const limits = new RedisRateLimits({ url: redisUrl, keyPrefix, reconnectMaxDelayMs: 100, commandTimeoutMs: 2_000, ...limitOpts }, { logger: silentLogger });
      const proxy = await startProxy(testOptions(opts), { source, logger: silentLogger, limiterFactory: limits.limiterFactory });
      const agent = new Agent({ connections: 32, keepAliveTimeout: 10_000 });
      const url = `http://127.0.0.1:${proxy.address.port}`;
      const pub = (appid: string, body: string | Buffer = 'x', topic = 'orders') =>
        send(agent, `${url}/v1/msgs/${topic}/v1`, 'POST', { headers: { appid }, body });
      f.edges.push({ limits, proxy, agent, pub });
    }
    await f.waitMode('shared');
    return f;
  }

  get a(): Edge {
    return this.edges[0]!;
  }
  get b(): Edge {
    return this.edges[1]!;
  }

  waitMode(mode: 'shared' | 'local'): Promise<boolean> {
    return waitFor(() => this.edges.every((e) => e.limits.mode === mode), { timeoutMs: 10_000, message: `both proxies ${mode}` });
  }

  /** Publishes through `edge` until one is refused; returns the statuses (all 201, then the 429). */
  async untilRefused(edge: Edge, appid: string, max = 100): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < max; i++) {
      const r = await edge.pub(appid);
      statuses.push(r.status);
      if (r.status !== 201) break;
    }
    return statuses;
  }

  published(): number {
    return this.gateways.reduce((n, g) => n + g.count('pub'), 0);
  }

  async close(): Promise<void> {
    for (const e of this.edges) {
      await e.agent.close();
      await e.proxy.close();
      await e.limits.close();
    }
    await Promise.all(this.gateways.map((g) => g.close()));
  }
}

const accepted = (n: number) => Array<number>(n).fill(201);

/** What a load run saw: statuses, and the interval every decision fell in (first send → last response). */
interface Load {
  statuses: Map<number, number>;
  firstSend: number;
  lastSend: number;
  firstReply: number;
  lastReply: number;
}

/** Publishes as fast as `workers` concurrent clients can through `edge` until `until` (performance.now() ms). */
async function hammer(edge: Edge, appid: string, workers: number, until: number): Promise<Load> {
  const l: Load = { statuses: new Map(), firstSend: Infinity, lastSend: 0, firstReply: Infinity, lastReply: 0 };
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        const r = await edge.pub(appid);
        const got = performance.now();
        l.statuses.set(r.status, (l.statuses.get(r.status) ?? 0) + 1);
        l.firstSend = Math.min(l.firstSend, sent);
        l.lastSend = Math.max(l.lastSend, sent);
        l.firstReply = Math.min(l.firstReply, got);
        l.lastReply = Math.max(l.lastReply, got);
      }
    }),
  );
  return l;
}

describe('proxy rate limits > shared through Redis by two proxies', () => {
  let fleet: Fleet;
  const RATE = 20;
  const BURST = 20;
  before(async () => {
    // 20 requests/s per Appid, burst 1 s: low enough that 2 × 16 clients in one test process exceed it on a busy
    // machine. Generous bytes and per-topic rules beside it, so that each request claims four buckets.
    const generous = { requestsPerSec: 1e6, bytesPerSec: 1e9 };
    fleet = await Fleet.start(await requireRedis(), {
      rateLimit: { perApp: { requestsPerSec: RATE, bytesPerSec: 1e9, burstSec: BURST / RATE }, perAppTopic: generous },
    });
  });
  after(() => fleet.close());

  it('keeps the sum of requests both proxies accept within the limit (±10%) under saturating load', async () => {
    const until = performance.now() + 4_000;
    const [la, lb] = await Promise.all([hammer(fleet.a, 'shared-app', 16, until), hammer(fleet.b, 'shared-app', 16, until)]);
    const count = (s: number) => (la.statuses.get(s) ?? 0) + (lb.statuses.get(s) ?? 0);
    const ok = count(201);
    const refused = count(429);
    // Every decision was made between the first send and the last reply (the most the bucket can give); under
    // saturation it kept deciding at least from the first reply to the last send (the least it must give).
    const most = BURST + (RATE * (Math.max(la.lastReply, lb.lastReply) - Math.min(la.firstSend, lb.firstSend))) / 1000;
    const least = BURST + (RATE * (Math.min(la.lastSend, lb.lastSend) - Math.max(la.firstReply, lb.firstReply))) / 1000;
    const others = [...la.statuses, ...lb.statuses].filter(([s]) => s !== 201 && s !== 429);
    const report = { limit: `${RATE}/s burst ${BURST}`, least: +least.toFixed(1), most: +most.toFixed(1), accepted: ok, byProxy: [la.statuses.get(201), lb.statuses.get(201)], refused, others };
    process.stdout.write(`# shared limit: ${JSON.stringify(report)}\n`);
    assert.deepEqual(others, [], 'only 201 and 429');
    assert.ok(refused > ok, `the load must exceed the limit (${refused} refused)`);
    assert.ok(ok <= most * 1.1 && ok >= least * 0.9, `accepted ${ok}, limit allows ${least.toFixed(1)}..${most.toFixed(1)} (±10%)`);
    assert.ok(ok < 2 * least * 0.9, 'well below what two unshared buckets would admit');
    // Neither proxy is starved. Which one wins a token depends on its round-trip time under saturation, so the split
    // is not even: 16 vs 82 was seen once on a busy machine (a 20 % bound failed there).
    for (const s of [la, lb]) assert.ok((s.statuses.get(201) ?? 0) >= 0.1 * ok, `both proxies admit a part (${la.statuses.get(201)} / ${lb.statuses.get(201)})`);
    assert.equal(fleet.published(), ok, 'every accepted publish reached a gateway, no refused one did');
    for (const e of fleet.edges) assert.deepEqual([e.limits.stats().failures, e.limits.stats().local], [0, 0]);
    const calls = fleet.edges.reduce((n, e) => n + e.limits.stats().shared, 0);
    assert.equal(calls, ok + refused, 'one Redis call per request for its four buckets');
  });
});

describe('proxy rate limits > Redis stopped and restarted', () => {
  let redis: PrivateServer;
  let fleet: Fleet;
  before(async () => {
    redis = await startPrivateRedis();
    // 10 requests per Appid, refilled at one per 10 s: counts are exact within a test. While Redis is down each
    // of the two proxies keeps half the rule (fallbackShare 0.5), so the fleet stays at the global limit.
    fleet = await Fleet.start(redis.connectString, { rateLimit: { perApp: { requestsPerSec: 0.1, burstSec: 100 } } }, { fallbackShare: 0.5 });
  });
  after(async () => {
    await fleet.close();
    await redis.close();
  });

  it('falls back to local limits with no 5xx, and shares again when Redis returns', async () => {
    const { a, b } = fleet;
    assert.deepEqual(await fleet.untilRefused(a, 'app1'), [...accepted(10), 429], JSON.stringify(a.limits.stats()));
    assert.deepEqual(await fleet.untilRefused(b, 'app1'), [429], 'shared: proxy A used up the bucket');

    // Background traffic through both proxies across the outage and the recovery: never a 5xx.
    const bg = new Map<number, number>();
    let stop = false;
    const background = Promise.all(
      [a, b].map(async (e) => {
        while (!stop) {
          const r = await e.pub('background');
          bg.set(r.status, (bg.get(r.status) ?? 0) + 1);
        }
      }),
    );
    try {
      await redis.stop();
      await fleet.waitMode('local');
      // Local buckets: each proxy admits its share of a fresh bucket; 5 + 5 = the global 10.
      assert.deepEqual(await fleet.untilRefused(a, 'app2'), [...accepted(5), 429]);
      assert.deepEqual(await fleet.untilRefused(b, 'app2'), [...accepted(5), 429]);
      const r = await a.pub('app2');
      assert.equal(r.status, 429);
      assert.equal(r.headers['ratelimit-limit'], '5');
      assert.equal(r.headers['ratelimit-remaining'], '0');
      assert.ok(Number(r.headers['retry-after']) >= 19 && Number(r.headers['retry-after']) <= 20, `retry-after ${r.headers['retry-after']}`);

      await redis.restart();
      await fleet.waitMode('shared');
      assert.deepEqual(await fleet.untilRefused(b, 'app3'), [...accepted(10), 429]);
      assert.deepEqual(await fleet.untilRefused(a, 'app3'), [429], 'shared again after the restart');
    } finally {
      stop = true;
      await background;
    }
    const statuses = [...bg.keys()].sort();
    process.stdout.write(`# background during outage: ${JSON.stringify(Object.fromEntries(bg))}\n`);
    assert.deepEqual(statuses.filter((s) => s !== 201 && s !== 429), [], `statuses ${JSON.stringify(Object.fromEntries(bg))}`);
    assert.ok((bg.get(429) ?? 0) > 0, 'the background app was limited throughout');
    for (const e of fleet.edges) {
      const s = e.limits.stats();
      assert.ok(s.local > 0 && s.shared > 0, JSON.stringify(s));
    }
  });
});

describe('proxy rate limits > 429 responses', () => {
  const LIMITS = { perApp: { requestsPerSec: 0.1, burstSec: 100 }, perAppTopic: { bytesPerSec: 1000, burstSec: 1 } };
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start(await requireRedis(), { rateLimit: LIMITS });
  });
  after(() => fleet.close());

  it('carries Retry-After and RateLimit-Limit/Remaining/Reset, and the refused request never reaches a gateway', async () => {
    const { a, b } = fleet;
    for (let i = 0; i < 10; i++) assert.equal((await (i % 2 ? a : b).pub('hdr')).status, 201);
    const before = fleet.published();
    const r = await a.pub('hdr');
    assert.equal(r.status, 429);
    assert.deepEqual(r.json(), { errmsg: 'quota exceeded' });
    const retry = Number(r.headers['retry-after']);
    const reset = Number(r.headers['ratelimit-reset']);
    assert.ok(retry >= 9 && retry <= 10, `Retry-After ${retry} (one request per 10 s)`);
    assert.equal(r.headers['ratelimit-limit'], '10');
    assert.equal(r.headers['ratelimit-remaining'], '0');
    assert.ok(reset >= 99 && reset <= 100, `RateLimit-Reset ${reset} (empty → full at 0.1/s)`);
    assert.equal(fleet.published(), before, 'refused before forwarding');
  });

  it('limits bytes/s per Appid and topic: a large body passes on a full bucket, the next waits out its debt', async () => {
    const { a, b } = fleet;
    assert.equal((await a.pub('bytes', Buffer.alloc(3000, 1), 'big')).status, 201);
    const r = await b.pub('bytes', Buffer.alloc(100, 1), 'big');
    assert.equal(r.status, 429, 'the debt is shared with proxy B');
    assert.equal(r.headers['ratelimit-limit'], '1000');
    assert.ok(Number(r.headers['retry-after']) === 3 || Number(r.headers['retry-after']) === 2, `Retry-After ${r.headers['retry-after']}`);
    assert.equal((await a.pub('bytes', Buffer.alloc(100, 1), 'other')).status, 201, 'another topic has its own bucket');
  });

  it('keeps the shared buckets across a config reload (local buckets would start full again)', async () => {
    const { a } = fleet;
    assert.deepEqual(await fleet.untilRefused(a, 'reload'), [...accepted(10), 429]);
    await a.proxy.reload(testOptions({ rateLimit: { ...LIMITS, maxKeys: 50_000 } }));
    assert.equal((await a.pub('reload')).status, 429, 'the new Admission reads the same Redis bucket');
  });

  it('applies a per-app quota from tenant meta on both proxies', async () => {
    const { a, b } = fleet;
    for (const e of fleet.edges) e.limits.setQuotas({ quota: { requestsPerSec: 0.03 } });
    assert.deepEqual(await fleet.untilRefused(a, 'quota'), [...accepted(3), 429], '0.03/s × 100 s burst = 3');
    const r = await b.pub('quota');
    assert.equal(r.status, 429);
    assert.equal(r.headers['ratelimit-limit'], '3');
  });
});
