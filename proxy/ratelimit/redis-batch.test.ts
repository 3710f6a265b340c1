// One Redis call per request for all of its buckets, all or nothing: counted on the real server with MONITOR.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { silentLogger } from '../../shared/log.js';
import { requireRedis } from '../../test/helpers/services.js';
import { uniqueName } from '../../test/helpers/unique-name.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { defaults, resolveProxyConfig, type RateLimitConfig } from '../config.js';
import { systemClock } from '../util/clock.js';
import { Admission } from './admission.js';
import type { RateDecision } from './limiter.js';
import { RedisRateLimits } from './redis-limiter.js';
import { hostPort } from './redis-options.js';

const cfg = resolveProxyConfig({ workers: 0 });
/** Requests and bytes limits per app and per app+topic: a request with an Appid, a topic and a body claims four buckets. */
const FOUR: RateLimitConfig = {
  ...defaults.rateLimit,
  perApp: { requestsPerSec: 100, bytesPerSec: 100_000 },
  perAppTopic: { requestsPerSec: 50, bytesPerSec: 1_000 },
};

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function admission(url: string, rules: RateLimitConfig): Promise<{ adm: Admission; keyPrefix: string; limits: RedisRateLimits }> {
  const keyPrefix = uniqueName('rl');
  const limits = new RedisRateLimits({ url, keyPrefix, commandTimeoutMs: 2_000 }, { logger: silentLogger });
  closers.push(() => limits.close());
  await waitFor(() => limits.mode === 'shared', { timeoutMs: 10_000, message: 'Redis link ready' });
  return { adm: new Admission(rules, limits.limiterFactory(cfg, systemClock)), keyPrefix, limits };
}

const check = async (adm: Admission, appid: string, topic: string, bytes: number): Promise<RateDecision | undefined> =>
  adm.check({ appid, topic, bytes });

describe('RedisRateLimits > one call per request', () => {
  let url: string;
  let monitor: Redis;
  /** Commands the server ran since the last `drain`, as [source, command, ...args]; source 'lua' = inside a script. */
  let seen: string[][] = [];
  let probe: Redis;
  before(async () => {
    url = await requireRedis();
    const { host, port } = hostPort(url);
    monitor = await new Redis({ host, port }).monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push([source, ...args]));
    probe = new Redis({ host, port });
    closers.push(() => monitor.disconnect(), () => probe.quit());
  });

  /** Everything the server ran up to now: a marker sent after the call is seen last (MONITOR is in execution order). */
  async function drain(): Promise<string[][]> {
    const marker = uniqueName('marker');
    await probe.echo(marker);
    await waitFor(() => seen.some((c) => c[1]?.toLowerCase() === 'echo' && c[2] === marker), { timeoutMs: 5_000, message: 'MONITOR marker' });
    const out = seen;
    seen = [];
    return out;
  }

  it('decides a request touching four buckets with one EVALSHA', async () => {
    const { adm, keyPrefix } = await admission(url, FOUR);
    assert.equal((await check(adm, 'warm', 't', 10))?.allowed, true, 'first call may load the script (NOSCRIPT → EVAL)');
    await drain();
    const d = await check(adm, 'app', 't', 10);
    const mine = (await drain()).filter((c) => c.some((a) => a.startsWith(keyPrefix)));
    const fromClients = mine.filter((c) => c[0] !== 'lua');
    assert.equal(fromClients.length, 1, `one command from the proxy: ${JSON.stringify(fromClients)}`);
    assert.equal(fromClients[0]![1]!.toLowerCase(), 'evalsha');
    assert.equal(fromClients[0]![3], '4', 'four keys');
    const keys = new Set(mine.filter((c) => c[0] === 'lua' && c[1]!.toLowerCase() === 'hset').map((c) => c[2]));
    assert.equal(keys.size, 4, 'the script took from four buckets');
    assert.deepEqual(d, { allowed: true, retryAfterMs: 0, limit: 50, remaining: 49, resetMs: 20 }, 'the bucket nearest its limit (49/50 < 990/1000)');
  });

  it('takes nothing from any bucket when one refuses', async () => {
    const { adm, keyPrefix } = await admission(url, FOUR);
    assert.equal((await check(adm, 'app', 't', 800))?.allowed, true);
    const keys = (await probe.keys(`${keyPrefix}:*`)).sort();
    assert.equal(keys.length, 4);
    const before = await Promise.all(keys.map((k) => probe.hgetall(k)));
    const d = await check(adm, 'app', 't', 800);
    assert.equal(d?.allowed, false, 'the per-topic bytes bucket (1,000/s) has 200 left');
    assert.equal(d!.limit, 1_000);
    assert.ok(d!.retryAfterMs > 500 && d!.retryAfterMs <= 600, `retryAfterMs ${d!.retryAfterMs}`);
    assert.ok(d!.remaining >= 200 && d!.remaining < 1_000, `remaining ${d!.remaining}`);
    assert.deepEqual(await Promise.all(keys.map((k) => probe.hgetall(k))), before, 'no bucket changed');
    assert.equal((await check(adm, 'app', 't', 100))?.allowed, true, 'what the refusal left is still there');
  });
});
