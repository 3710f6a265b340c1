// Test fixture run as a child process: registers one gateway, prints its session id, then idles until killed.
import { ZkClient } from '../../shared/zk/zk-client.js';
import { GatewayRegistry } from './gateway-registry.js';

const [connectString, zone, id, pub] = process.argv.slice(2);
if (!connectString || !zone || !id || !pub) {
  process.stderr.write('usage: registry-child.fixture.js <connectString> <zone> <id> <pub host:port>\n');
  process.exit(2);
}
const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 1000 });
const registry = new GatewayRegistry({
  zk,
  endpoint: { id, zone, host: '127.0.0.1', pub, sub: '', man: '', cpu: 1, ver: 'test', startedAt: Date.now() },
});
await registry.register();
process.stdout.write(`${JSON.stringify({ registered: zk.sessionId })}\n`);
setInterval(() => undefined, 60_000); // stay alive until the test kills us
