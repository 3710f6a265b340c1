// `kateway proxy --zk` on real ZooKeeper: a per-app quota written to tenant meta limits that app at the proxy
// within about a second (issue 4: limits configured in the config file and in ZooKeeper meta).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import type { ProxyOptions } from '../../proxy/config.js';
import { send } from '../../proxy/testing/proxy-harness.js';
import { MetaWriter } from '../../shared/zk/meta-writer.js';
import { ZkClient } from '../../shared/zk/zk-client.js';
import { requireZookeeper } from '../helpers/services.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

const CLI = fileURLToPath(new URL('../../cli/kateway.js', import.meta.url));

/** Starts `kateway proxy` (one node:cluster worker, the production path) and resolves with its port. */
async function spawnProxy(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CLI, 'proxy', ...args], { env: { ...process.env, KATEWAY_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /"proxy":\["[^"]*:(\d+)"/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(([code]) => reject(new Error(`proxy exited (${String(code)}) before it was ready: ${err.slice(-2000)}`)));
  });
  return { child, port };
}

describe('proxy process > per-app quotas from ZooKeeper meta', { timeout: 60_000 }, () => {
  let zk: ZkClient;
  let dir: string;
  let proxy: ChildProcess | undefined;
  let port = 0;
  const app = uniqueName('qapp');

  before(async () => {
    const connect = await requireZookeeper();
    zk = await ZkClient.connect({ connectString: connect });
    const meta = new MetaWriter(zk);
    await meta.init();
    await meta.putApp({ id: app, topics: ['*'] }, 'secret');
    dir = mkdtempSync(join(tmpdir(), 'kateway-proxy-zk-'));
    // The config file's default per-app rule is generous; the quota in meta is what will refuse.
    const options: ProxyOptions = { workers: 1, listeners: [{ host: '127.0.0.1', port: 0 }], rateLimit: { perApp: { requestsPerSec: 10_000 } } };
    writeFileSync(join(dir, 'proxy.json'), JSON.stringify(options));
    // A zone of its own with no gateway: an admitted publish is answered 503 (no gateway), a refused one 429.
    ({ child: proxy, port } = await spawnProxy(['--zk', connect, '--zone', uniqueName('qzone'), '--config', join(dir, 'proxy.json')]));
  });
  after(async () => {
    if (proxy && proxy.exitCode === null) {
      proxy.kill('SIGTERM');
      await once(proxy, 'exit');
    }
    await new MetaWriter(zk).removeApp(app).catch(() => false);
    await zk?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the app with 429 within about a second of the quota being written, and lets it through once removed', async () => {
    const url = `http://127.0.0.1:${port}`;
    const client = new Client(url);
    const publish = async (): Promise<number> => (await send(client, `${url}/v1/msgs/t/v1`, 'POST', { body: 'x', headers: { appid: app } })).status;
    try {
      // Without a quota: 20 back-to-back publishes are all admitted.
      const before = await Promise.all(Array.from({ length: 20 }, publish));
      assert.deepEqual([...new Set(before)], [503]);

      const meta = new MetaWriter(zk);
      await meta.setQuota(app, { requestsPerSec: 1 });
      const t0 = Date.now();
      // A 1 request/s bucket with the rule's 1 s burst holds one token: the second of two back-to-back requests is refused.
      await waitFor(async () => (await publish(), (await publish()) === 429), { timeoutMs: 3_000, intervalMs: 50, message: 'a 429 after the quota' });
      const took = Date.now() - t0;
      assert.ok(took < 1_500, `the quota applied after ${took} ms`);

      await meta.setQuota(app, undefined);
      await waitFor(async () => (await Promise.all(Array.from({ length: 5 }, publish))).every((s) => s === 503), {
        timeoutMs: 3_000,
        intervalMs: 50,
        message: 'the config rule again once the quota is removed',
      });
    } finally {
      await client.close();
    }
  });
});
