// WebSocket subscribe scenario (ws client; autocannon speaks only HTTP): N sockets in one group count delivered frames.
//
// node dist/loadtest/autocannon/websocket.js --url http://host:10891 --app A --key K [--connections 4] [--prefill N]
//      [--format json|binary] [--seconds 10]
import { runWsSubscribe } from '../clients/ws-subscribe.js';
import { prefill } from '../lib/prefill.js';
import { parseTarget } from '../lib/target-args.js';

const usage = `websocket: GET /v1/ws/msgs/:appid/:topic/:ver?group=G (Upgrade: websocket) with Appid/Subkey headers
  --group NAME  consumer group (default: a fresh one, starting at the oldest message)
  --format F    json (text frames, default) or binary (records)
  --prefill N   first publish N messages of --size bytes (default 100)`;

async function main(): Promise<void> {
  const { target: t, values } = parseTarget(usage, {
    group: { type: 'string' },
    format: { type: 'string', default: 'json' },
    prefill: { type: 'string' },
    size: { type: 'string', default: '100' },
  });
  if (values['prefill']) {
    await prefill({ pubUrl: t.pubUrl, topic: t.topic, ver: t.ver, appid: t.appid, key: t.pubkey, messages: Number(values['prefill']), size: Number(values['size']) });
  }
  const connections = process.argv.includes('--connections') ? t.connections : 4;
  const r = await runWsSubscribe({
    subUrl: t.subUrl,
    appid: t.appid,
    subkey: t.subkey,
    topic: t.topic,
    ver: t.ver,
    group: String(values['group'] ?? `ws${Date.now().toString(36)}`),
    connections,
    seconds: t.seconds,
    format: values['format'] === 'binary' ? 'binary' : 'json',
  });
  process.stdout.write(
    `websocket ${connections} sockets: ${Math.round(r.msgsPerSec).toLocaleString('en-US')} msgs/s (${r.messages} messages)` +
      `${r.failed ? `, ${r.failed} sockets failed: ${r.firstError}` : ''}\n${JSON.stringify({ scenario: 'websocket', connections, ...r })}\n`,
  );
  if (r.failed === connections) process.exit(1);
}

main().catch((e: unknown) => {
  process.stderr.write(`websocket: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
