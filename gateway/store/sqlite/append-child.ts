// Test helper process: appends to a SQLite store and prints every acknowledged position (crash and multi-process tests).
import { parseArgs } from 'node:util';
import { SqliteStore } from './sqlite-store.js';

/**
 * Usage: node append-child.js --path F --topic T --id W [--count N] [--concurrency C] [--batch B]
 *        [--synchronous normal|full] [--interval-ms I]
 * Each of C loops appends batches of B messages whose values are `W:<seq>` until N messages were
 * acknowledged in all (N = 0: forever). After each acknowledged append it writes one line per message,
 * `<partition> <offset> <value>`, to stdout (a pipe, which Node writes synchronously on Linux), so a
 * line on stdout means the store had acknowledged the message. `--interval-ms` paces each loop.
 * Prints `done` after closing the store.
 */
const { values } = parseArgs({
  options: {
    path: { type: 'string' },
    topic: { type: 'string' },
    id: { type: 'string', default: 'w' },
    count: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1' },
    synchronous: { type: 'string', default: 'normal' },
    'interval-ms': { type: 'string', default: '0' },
  },
});
if (!values.path || !values.topic) throw new Error('--path and --topic are required');
const topic = values.topic;
const count = Number(values.count);
const batch = Number(values.batch);
const intervalMs = Number(values['interval-ms']);
const store = new SqliteStore({
  path: values.path,
  synchronous: values.synchronous === 'full' ? 'full' : 'normal',
  retentionMs: 0,
});

let seq = 0;
let acked = 0;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function loop(): Promise<void> {
  while (count === 0 || seq < count) {
    const n = count === 0 ? batch : Math.min(batch, count - seq);
    const messages = Array.from({ length: n }, () => ({ value: Buffer.from(`${values.id}:${seq++}`) }));
    const positions = await store.append(topic, messages);
    let out = '';
    positions.forEach((p, i) => (out += `${p.partition} ${p.offset} ${messages[i]!.value.toString()}\n`));
    process.stdout.write(out);
    acked += n;
    if (intervalMs > 0) await pause(intervalMs);
  }
}

await Promise.all(Array.from({ length: Number(values.concurrency) }, () => loop()));
await store.close();
process.stdout.write(`done ${acked}\n`);
