// Gateway processes on real ZooKeeper: registration, kill -9 expiry, duplicate ids, deregister-first shutdown,
// and tenant changes in /_kateway/meta applied within a second.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import { ZkGatewaySource } from '../../shared/discovery/zk-gateway-source.js';
import { MetaWriter } from '../../shared/zk/meta-writer.js';
import { ZkClient } from '../../shared/zk/zk-client.js';
import { isZkError } from '../../shared/zk/zk-error.js';
import { randomChroot } from '../../shared/zk/testing/zk-test-kit.js';
import { requireZookeeper } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnGateway } from './gateway-process.js';
import { uniq } from './gateway-harness.js';

describe('Gateway process > ZooKeeper registry and tenants', { timeout: 120_000 }, () => {
  let connect: string;
  let zk: ZkClient;
  let dir: string;
  const zone = uniq('z');
  let source: ZkGatewaySource;
  let live: readonly GatewayEndpoint[] = [];
  before(async () => {
    connect = await requireZookeeper();
    zk = await ZkClient.connect({ connectString: connect });
    const meta = new MetaWriter(zk);
    await meta.init();
    await meta.putApp({ id: zone, topics: ['*'], groups: ['*'] }, 'first-secret');
    source = await ZkGatewaySource.start({ zk, zone });
    source.onChange((g) => (live = g));
    live = source.snapshot();
    dir = mkdtempSync(join(tmpdir(), 'kateway-zk-'));
  });
  after(async () => {
    await source?.close();
    await zk?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const gatewayArgs = (id: string): string[] => [
    '--store', 'sqlite', '--sqlite-path', join(dir, `${id}.db`), '--zk', connect, '--zone', zone, '--id', id, '--tenants', 'zk',
  ];

  it('registers once listening, refuses a duplicate live id, deregisters before it stops serving', async () => {
    const gw = await spawnGateway(gatewayArgs('1'));
    const seen = await waitFor(() => live.find((g) => g.id === '1'), { timeoutMs: 5_000 });
    assert.equal(seen.pub, `127.0.0.1:${gw.ports.pub}`);
    assert.equal(seen.zone, zone);

    const dup = spawnGateway(gatewayArgs('1'));
    await assert.rejects(dup, /already|live|CONFLICT|registered/i);

    gw.child.kill('SIGTERM');
    // The node disappears while the gateway still answers (deregister first, then drain).
    await waitFor(() => !live.some((g) => g.id === '1'), { timeoutMs: 5_000 });
    const alive = await request(`http://127.0.0.1:${gw.ports.pub}/alive`).then(async (r) => (await r.body.dump(), r.statusCode)).catch(() => 0);
    assert.equal(alive, 200, 'still serving right after deregistration');
    assert.equal(await gw.exited, 0);
  });

  it('a kill -9 gateway vanishes after its session times out and can start again', async () => {
    const gw = await spawnGateway(gatewayArgs('2'));
    await waitFor(() => live.some((g) => g.id === '2'), { timeoutMs: 5_000 });
    gw.child.kill('SIGKILL');
    await gw.exited;
    const t0 = Date.now();
    await waitFor(() => !live.some((g) => g.id === '2'), { timeoutMs: 30_000 });
    console.log(`ephemeral node of a kill -9 gateway gone after ${Date.now() - t0} ms`);
    const again = await spawnGateway(gatewayArgs('2'));
    await waitFor(() => live.some((g) => g.id === '2'), { timeoutMs: 5_000 });
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0);
  });

  it('applies a tenant change from ZooKeeper within a second', async () => {
    const gw = await spawnGateway(gatewayArgs('3'));
    const pub = (key: string) =>
      request(`http://127.0.0.1:${gw.ports.pub}/v1/msgs/t/v1`, { method: 'POST', headers: { appid: zone, pubkey: key }, body: 'x' }).then(async (r) => {
        await r.body.dump();
        return r.statusCode;
      });
    assert.equal(await pub('first-secret'), 404); // authenticated; topic not created (no auto-create outside demo)
    await new MetaWriter(zk).setSecret(zone, 'second-secret');
    const t0 = Date.now();
    await waitFor(async () => (await pub('second-secret')) === 404, { timeoutMs: 1_000 });
    console.log(`secret rotation applied after ${Date.now() - t0} ms`);
    assert.equal(await pub('first-secret'), 401);
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
  });

  it('with KATEWAY_ZK_AUTH, its registration and tenants are private to that identity and the secret is never logged', async () => {
    const auth = 'kateway:zk-digest-secret';
    const { connectString } = await randomChroot(connect);
    const admin = await ZkClient.connect({ connectString, auth });
    const anonymous = await ZkClient.connect({ connectString });
    const privateZone = uniq('zp');
    const meta = new MetaWriter(admin);
    await meta.init();
    await meta.putApp({ id: privateZone, topics: ['*'], groups: ['*'] }, 'app-secret');
    const watcher = await ZkGatewaySource.start({ zk: admin, zone: privateZone });
    const args = ['--store', 'memory', '--zk', connectString, '--zone', privateZone, '--id', '1', '--tenants', 'zk'];
    const gw = await spawnGateway(args, { KATEWAY_ZK_AUTH: auth, KATEWAY_LOG_LEVEL: 'debug' });
    try {
      await waitFor(() => watcher.snapshot().some((g) => g.id === '1'), { timeoutMs: 5_000 });
      // The gateway read its tenants through the authenticated session: the key is accepted (404: no such topic yet).
      const r = await request(`http://127.0.0.1:${gw.ports.pub}/v1/msgs/t/v1`, {
        method: 'POST',
        headers: { appid: privateZone, pubkey: 'app-secret' },
        body: 'x',
      });
      await r.body.dump();
      assert.equal(r.statusCode, 404);
      const denied = (e: unknown): boolean => isZkError(e, 'NO_AUTH');
      await assert.rejects(anonymous.getChildren(`/_kateway/ids/${privateZone}`), denied);
      await assert.rejects(anonymous.remove(`/_kateway/ids/${privateZone}/1`), denied);
      await assert.rejects(anonymous.create(`/_kateway/ids/${privateZone}/2`, '{}'), denied);
      await assert.rejects(anonymous.getChildren('/_kateway/meta'), denied);
      gw.child.kill('SIGTERM');
      assert.equal(await gw.exited, 0);
      assert.ok(gw.stderr().includes('registered in ZooKeeper'), 'debug logs were written');
      assert.ok(!gw.stderr().includes('zk-digest-secret'), 'the ZooKeeper secret never appears in the logs');
    } finally {
      gw.child.kill('SIGKILL');
      await watcher.close();
      await Promise.all([admin.close(), anonymous.close()]);
    }
  });
});
