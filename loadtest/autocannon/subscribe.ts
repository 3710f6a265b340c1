// autocannon subscribe scenario: long-poll batch=1 or chunked batch=N, one group or fan-out to several, against any kateway.
//
// node dist/loadtest/autocannon/subscribe.js --url http://host:10891 --app A --key K [--batch 1|100] [--groups 1|4]
//      [--group NAME] [--prefill N] [--seconds 10] [--connections 64]
import { prefill } from '../lib/prefill.js';
import { parseTarget } from '../lib/target-args.js';
import { printSummary, runAutocannon, summarise, type Summary } from './run-autocannon.js';

const usage = `subscribe: GET /v1/msgs/:appid/:topic/:ver?group=G[&batch=N] with Appid/Subkey headers
  --batch N     messages per response (1 = the message is the body; N > 1 = chunked binary records)
  --groups N    fan-out: N consumer groups read the same topic, connections split between them (default 1)
  --group NAME  group name prefix (default: a fresh one per run, starting at the oldest message)
  --owner ID    the topic's owner app (default: --app)
  --prefill N   first publish N messages of --size bytes to the topic, so the run measures delivery, not waiting
  --size N      message bytes for --prefill (default 100)
msgs/s counts 200 responses × batch (exact while the topic has a backlog; 204 = a long-poll that found nothing).`;

async function main(): Promise<void> {
  const { target: t, values } = parseTarget(usage, {
    batch: { type: 'string', default: '1' },
    groups: { type: 'string', default: '1' },
    group: { type: 'string' },
    owner: { type: 'string' },
    prefill: { type: 'string' },
    size: { type: 'string', default: '100' },
  });
  const batch = Number(values['batch']);
  const groups = Number(values['groups']);
  const prefix = String(values['group'] ?? `lt${Date.now().toString(36)}`);
  if (values['prefill']) {
    await prefill({ pubUrl: t.pubUrl, topic: t.topic, ver: t.ver, appid: t.appid, key: t.pubkey, messages: Number(values['prefill']), size: Number(values['size']) });
  }
  const owner = String(values['owner'] ?? t.appid);
  const results = await Promise.all(
    Array.from({ length: groups }, (_, i) =>
      runAutocannon({
        url: `${t.subUrl}/v1/msgs/${owner}/${t.topic}/${t.ver}?group=${prefix}${groups > 1 ? `x${i}` : ''}${batch > 1 ? `&batch=${batch}` : ''}`,
        connections: Math.max(1, Math.round(t.connections / groups)),
        duration: t.seconds,
        headers: { Appid: t.appid, Subkey: t.subkey },
      }),
    ),
  );
  const parts = results.map((r) => summarise(r, batch, 200));
  const total: Summary = {
    reqPerSec: parts.reduce((a, p) => a + p.reqPerSec, 0),
    msgsPerSec: parts.reduce((a, p) => a + p.msgsPerSec, 0),
    p50Ms: Math.max(...parts.map((p) => p.p50Ms)),
    p99Ms: Math.max(...parts.map((p) => p.p99Ms)),
    p999Ms: Math.max(...parts.map((p) => p.p999Ms)),
    non2xx: parts.reduce((a, p) => a + p.non2xx, 0),
    errors: parts.reduce((a, p) => a + p.errors, 0),
    timeouts: parts.reduce((a, p) => a + p.timeouts, 0),
    statuses: parts.reduce<Record<string, number>>((a, p) => {
      for (const [k, v] of Object.entries(p.statuses)) a[k] = (a[k] ?? 0) + v;
      return a;
    }, {}),
  };
  printSummary(`subscribe batch=${batch}${groups > 1 ? `, fan-out to ${groups} groups (each gets every message; latency = worst group)` : ''}`, total);
}

main().catch((e: unknown) => {
  process.stderr.write(`subscribe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
