// The proxy as a real process (node:cluster, 1 worker): SIGHUP reloads without dropping connections, SIGTERM drains.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import type { ProxyOptions } from '../../proxy/config.js';
import { FakeGateway } from '../../proxy/testing/fake-gateway.js';
import { send } from '../../proxy/testing/proxy-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const fixture = fileURLToPath(new URL('../../proxy/testing/cluster-fixture.js', import.meta.url));

interface Running {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  write(options: ProxyOptions): void;
}

async function startProxyProcess(dir: string, gateways: FakeGateway[], options: ProxyOptions): Promise<Running> {
  const file = join(dir, 'proxy.json');
  const write = (o: ProxyOptions): void => writeFileSync(file, JSON.stringify({ options: o, gateways: gateways.map((g) => g.endpoint()) }));
  write(options);
  const child = spawn(process.execPath, [fixture, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`proxy exited early with ${code}: ${out}`)));
  });
  return { child, port, exited, write };
}

describe('proxy process > signals', () => {
  let dir: string;
  let gateways: FakeGateway[];
  let proxy: Running;
  const base: ProxyOptions = { workers: 1, listeners: [{ host: '127.0.0.1', port: 0 }], drainTimeoutMs: 10_000 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kateway-proxy-'));
    gateways = [await FakeGateway.start('gw1'), await FakeGateway.start('gw2')];
  });
  after(async () => {
    if (proxy && proxy.child.exitCode === null) proxy.child.kill('SIGKILL');
    await Promise.all(gateways.map((g) => g.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGHUP applies new options while a keep-alive connection and an in-flight request survive', async () => {
    proxy = await startProxyProcess(dir, gateways, { ...base, balancing: { pub: 'p2c' } });
    const client = new Client(`http://127.0.0.1:${proxy.port}`);
    let connects = 0;
    client.on('connect', () => connects++);
    const url = `http://127.0.0.1:${proxy.port}`;
    try {
      assert.equal((await send(client, `${url}/v1/msgs/t/v1`, 'POST', { body: 'a' })).status, 201);
      const other = new Client(url);
      const held = send(other, `${url}/v1/msgs/t/v1`, 'POST', { body: 'held', headers: { 'x-hold': 'r1' } });
      await Promise.race(gateways.map((g) => g.held('r1')));

      proxy.write({ ...base, balancing: { pub: 'round-robin' } });
      proxy.child.kill('SIGHUP');
      await waitFor(async () => {
        const st = (await send(client, `${url}/proxy/v1/status`, 'GET')).json<{ policies: { pub: string } }>();
        return st.policies.pub === 'round-robin';
      }, { message: 'the reloaded policy' });

      for (const g of gateways) g.release('r1');
      assert.equal((await held).status, 201, 'the request in flight during the reload completed');
      assert.equal((await send(client, `${url}/v1/msgs/t/v1`, 'POST', { body: 'b' })).status, 201);
      assert.equal(connects, 1, 'the keep-alive connection was never dropped');
      await other.close();
    } finally {
      await client.close();
    }
  });

  it('SIGTERM drains: /alive fails, the in-flight request finishes, then the process exits 0', async () => {
    const url = `http://127.0.0.1:${proxy.port}`;
    const client = new Client(url);
    const held = send(client, `${url}/v1/msgs/t/v1`, 'POST', { body: 'last', headers: { 'x-hold': 'r2' } });
    await Promise.race(gateways.map((g) => g.held('r2')));
    proxy.child.kill('SIGTERM');
    await waitFor(
      async () => {
        // A connection that lands in the instant between SIGTERM and the worker closing its listener can be
        // parked by the cluster primary (Node's round-robin handoff race): bound each probe.
        const probe = new Client(url, { connectTimeout: 500, headersTimeout: 500 });
        try {
          return (await send(probe, `${url}/alive`, 'GET')).status === 503;
        } catch {
          return true; // refused or parked: no longer taking new work
        } finally {
          void probe.destroy();
        }
      },
      { message: 'the proxy to stop taking new work' },
    );
    assert.equal(proxy.child.exitCode, null, 'still running while a request is in flight');
    for (const g of gateways) g.release('r2');
    const r = await held;
    assert.equal(r.status, 201);
    assert.equal(r.headers['connection'], 'close');
    assert.equal(await proxy.exited, 0);
    await client.close().catch(() => undefined);
  });
});

describe('proxy process > two workers', () => {
  let dir: string;
  let gateways: FakeGateway[];
  let proxy: Running | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kateway-proxy-'));
    gateways = [await FakeGateway.start('gw1'), await FakeGateway.start('gw2')];
  });
  after(async () => {
    if (proxy && proxy.child.exitCode === null) proxy.child.kill('SIGKILL');
    await Promise.all(gateways.map((g) => g.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('/proxy/v1/status sums every worker, whichever worker answers', async () => {
    proxy = await startProxyProcess(dir, gateways, { workers: 2, listeners: [{ host: '127.0.0.1', port: 0 }] });
    const url = `http://127.0.0.1:${proxy.port}`;
    // Separate connections so that both workers serve some of them.
    for (let i = 0; i < 20; i++) {
      const c = new Client(url);
      assert.equal((await send(c, `${url}/v1/msgs/t/v1`, 'POST', { body: 'x' })).status, 201);
      await c.close();
    }
    const c = new Client(url);
    const st = (await send(c, `${url}/proxy/v1/status`, 'GET')).json<{ pids: number[]; gateways: { listeners: { pub: { totalSessions: number } } }[] }>();
    await c.close();
    assert.equal(st.pids.length, 2);
    assert.equal(st.gateways.reduce((n, g) => n + g.listeners.pub.totalSessions, 0), 20);
    proxy.child.kill('SIGTERM');
    assert.equal(await proxy.exited, 0);
  });
});
