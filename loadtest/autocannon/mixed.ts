// Mixed scenario: publish at a fixed offered rate while a group subscribes; end-to-end latency p50/p99/p999.
// (The publisher is an open-loop undici client, so each message carries its exact send time; autocannon cannot stamp
// bodies at send time. The subscriber is batch=1 long-poll, chunked batch=N long-poll or WebSocket. Each runs in its
// own child process.)
//
// node dist/loadtest/autocannon/mixed.js --url http://host:10891 --app A --key K [--rate 1000] [--seconds 30]
//      [--subscribers 16] [--ws | --chunked [--batch 100]] [--keyed] [--size 100]
import { runMixed } from '../clients/e2e-latency.js';
import { parseTarget } from '../lib/target-args.js';

const usage = `mixed: POST at --rate msgs/s (each body starts with {"t":<send time ms>,"i":<n>}) while a consumer group
reads the same topic; prints end-to-end (publish send → delivery) p50/p99/p999 and lost/duplicate counts.
  --rate N         offered publish rate, msgs/s (default 1000)
  --subscribers N  concurrent long-polls (or sockets with --ws) in the group (default 16)
  --ws             subscribe over WebSocket instead of long-poll
  --chunked        long-poll with batch=N (--batch, default 100): records stream in as they come, timed per chunk
  --keyed          a partition key per message
  --size N         message bytes (default 100, at least 64)
  --topic T        default: a fresh topic per run (loadtest<time>), so the group starts empty
Publisher and subscriber run in two child processes of this one, on this host (across hosts, clocks would have to be
synchronised); each reports its event-loop delay, so a lagging generator shows instead of passing for server latency.`;

async function main(): Promise<void> {
  const { target: t, values } = parseTarget(usage, {
    rate: { type: 'string', default: '1000' },
    subscribers: { type: 'string', default: '16' },
    ws: { type: 'boolean', default: false },
    chunked: { type: 'boolean', default: false },
    batch: { type: 'string', default: '100' },
    keyed: { type: 'boolean', default: false },
    size: { type: 'string', default: '100' },
  });
  const topic = process.argv.includes('--topic') ? t.topic : `loadtest${Date.now().toString(36)}`;
  const r = await runMixed({
    pubUrl: t.pubUrl,
    subUrl: t.subUrl,
    appid: t.appid,
    pubkey: t.pubkey,
    subkey: t.subkey,
    topic,
    ver: t.ver,
    group: `mixed${Date.now().toString(36)}`,
    rate: Number(values['rate']),
    seconds: t.seconds,
    size: Math.max(64, Number(values['size'])),
    subscribers: Number(values['subscribers']),
    mode: values['ws'] ? 'ws' : values['chunked'] ? 'chunked' : 'longpoll',
    batch: Number(values['batch']),
    keyed: Boolean(values['keyed']),
  });
  const f = (n: number): string => n.toFixed(2);
  process.stdout.write(
    `mixed ${r.offeredRate} msgs/s offered: published ${r.published}/${r.sent} (errors ${r.pubErrors}), delivered ${r.received} (subscribe errors ${r.subErrors}), ` +
      `lost ${r.lost}, duplicates ${r.duplicates}; end-to-end p50 ${f(r.e2e.p50)} / p99 ${f(r.e2e.p99)} / p99.9 ${f(r.e2e.p999)} / ` +
      `max ${f(r.e2e.max)} ms; publish p50 ${f(r.pub.p50)} / p99 ${f(r.pub.p99)} ms; generator event-loop delay p99 ` +
      `${f(r.generator.publisher.p99)} (publisher) / ${f(r.generator.subscriber.p99)} (subscriber) ms\n${JSON.stringify({ scenario: 'mixed', topic, ...r })}\n`,
  );
  if (r.pubErrors || r.subErrors || r.lost) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`mixed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
