// autocannon publish scenario: single messages or JSON batches, 100 B or any size, keyed or unkeyed, against any kateway.
//
// node dist/loadtest/autocannon/publish.js --url http://host:10891 --app A --key K [--size 100|4096] [--batch 1|100]
//      [--keyed] [--rate N] [--seconds 10] [--connections 64]
import { parseTarget } from '../lib/target-args.js';
import { batchBody } from '../lib/wrk-scripts.js';
import { printSummary, runAutocannon, summarise } from './run-autocannon.js';

const usage = `publish: POST /v1/msgs/:topic/:ver with Appid/Pubkey headers
  --size N      message bytes (default 100)
  --batch N     messages per request as a JSON array (?batch=1); 1 = raw body (default 1)
  --keyed       a partition key per request (?key=k0…k999)
  --rate N      fixed offered rate, requests/s (default: as fast as the connections go)`;

async function main(): Promise<void> {
  const { target: t, values } = parseTarget(usage, {
    size: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1' },
    keyed: { type: 'boolean', default: false },
    rate: { type: 'string' },
  });
  const size = Number(values['size']);
  const batch = Number(values['batch']);
  const base = `/v1/msgs/${t.topic}/${t.ver}${batch > 1 ? '?batch=1' : ''}`;
  let n = 0;
  const r = await runAutocannon({
    url: t.pubUrl,
    connections: t.connections,
    duration: t.seconds,
    ...(values['rate'] ? { overallRate: Number(values['rate']) } : {}),
    requests: [
      {
        method: 'POST',
        path: base,
        headers: { Appid: t.appid, Pubkey: t.pubkey, 'Content-Type': batch > 1 ? 'application/json' : 'application/octet-stream' },
        body: batch > 1 ? batchBody(size, batch) : 'x'.repeat(size),
        ...(values['keyed'] ? { setupRequest: (req) => ({ ...req, path: `${base}${batch > 1 ? '&' : '?'}key=k${n++ % 1000}` }) } : {}),
      },
    ],
  });
  printSummary(`publish ${size} B × ${batch}${values['keyed'] ? ' keyed' : ''}`, summarise(r, batch, 201));
}

main().catch((e: unknown) => {
  process.stderr.write(`publish: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
