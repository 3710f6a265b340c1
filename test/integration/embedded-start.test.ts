// `kateway start` as a user runs it: the edge in front of two gateways on SQLite; a gateway started by hand joins.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startChild, type Child } from '../../cli/child-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait-for.js';

const demo = { appid: 'demo', pubkey: 'demo', subkey: 'demo', 'x-trace': 'true' };

describe('kateway start > embedded pool behind the edge proxy', { timeout: 120_000 }, () => {
  let dir: string;
  let launcher: Child;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kateway-start-'));
    port = await freePort();
    launcher = await startChild('start', [
      'start', '--port', String(port), '--gateway-port-base', '0',
      '--registry-dir', join(dir, 'gateways'), '--sqlite-path', join(dir, 'k.db'),
    ], { ...process.env, KATEWAY_LOG_LEVEL: 'warn', KATEWAY_PROXY_WORKERS: '1' });
  });
  after(async () => {
    launcher?.proc.kill('SIGTERM');
    if (launcher) assert.equal(await launcher.exited, 0, 'launcher exits 0 after SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
  const serverOf = async (method: 'GET' | 'POST', path: string, body?: string): Promise<[number, string]> => {
    const r = await request(url(path), { method, headers: demo, body });
    await r.body.dump();
    return [r.statusCode, String(r.headers['x-serverid'])];
  };

  it('spreads publishes over both gateways and keeps a group on one', async () => {
    const pubs = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const [status, id] = await serverOf('POST', '/v1/msgs/embedded/v1', `m${i}`);
      assert.equal(status, 201);
      pubs.add(id);
    }
    assert.deepEqual([...pubs].sort(), ['1', '2']);
    const subs = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const [status, id] = await serverOf('GET', '/v1/msgs/demo/embedded/v1?group=sticky');
      assert.equal(status, 200);
      subs.add(id);
    }
    assert.equal(subs.size, 1, 'every request of the group reached one gateway');
  });

  it('a gateway started by hand takes publishes within a second', async () => {
    const g3 = await startChild('gateway 3', [
      'gateway', '--id', '3', '--registry-dir', join(dir, 'gateways'), '--sqlite-path', join(dir, 'k.db'),
      '--pub-port', '0', '--sub-port', '0', '--man-port', '0',
    ], { ...process.env, KATEWAY_LOG_LEVEL: 'warn' });
    const t0 = Date.now();
    await waitFor(async () => (await serverOf('POST', '/v1/msgs/embedded/v1', 'x'))[1] === '3', { timeoutMs: 5_000 });
    console.log(`hand-started gateway took traffic after ${Date.now() - t0} ms`);
    g3.proc.kill('SIGTERM');
    assert.equal(await g3.exited, 0);
  });
});
