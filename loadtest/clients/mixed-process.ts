// One half of the mixed scenario in its own process, so that the publisher and the subscriber never stall each other
// and each can show that it kept up (its event-loop delay is part of its result).
//
//   node dist/loadtest/clients/mixed-process.js pub '<PublisherOptions JSON>'  → prints {"result":…,"eld":…}
//   node dist/loadtest/clients/mixed-process.js sub '<SubscriberOptions JSON>' → prints {"ready":true} once subscribed,
//        then reads one stdin line {"expected":N,"drainMs":D}, prints {"result":…,"eld":…} and exits.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { runPublisher, type PublisherOptions } from './mixed-publisher.js';
import { MixedSubscriber, type SubscriberOptions } from './mixed-subscriber.js';

/** Event-loop delay of a generator process, ms: above a few ms, its own latencies are inflated by that much. */
export interface LoopDelay {
  p99: number;
  max: number;
  /** CPU time (user + system) the process used while measuring, ms. */
  cpuMs: number;
}

export interface FinishRequest {
  expected: number;
  drainMs: number;
}

/** Resolves once the line is handed to the OS: stdout to a pipe is asynchronous, and process.exit would cut a long result. */
const print = (o: unknown): Promise<void> =>
  new Promise((resolve) => void process.stdout.write(`${JSON.stringify(o)}\n`, () => resolve()));

async function main(): Promise<void> {
  const [role, json] = process.argv.slice(2);
  if ((role !== 'pub' && role !== 'sub') || !json) throw new Error('usage: mixed-process.js pub|sub <options JSON>');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let cpu = process.cpuUsage();
  const eld = (): LoopDelay => {
    const used = process.cpuUsage(cpu);
    return { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, cpuMs: (used.user + used.system) / 1000 };
  };
  if (role === 'pub') {
    delay.enable();
    const result = await runPublisher(JSON.parse(json) as PublisherOptions);
    await print({ result, eld: eld() });
    return;
  }
  const sub = await MixedSubscriber.open(JSON.parse(json) as SubscriberOptions);
  delay.enable();
  cpu = process.cpuUsage();
  await print({ ready: true });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', (l) => {
      resolve(l);
      lines.close();
    });
    lines.once('close', () => reject(new Error('stdin closed before the finish request')));
  });
  const { expected, drainMs } = JSON.parse(line) as FinishRequest;
  const result = await sub.finish(expected, drainMs);
  await print({ result, eld: eld() });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`mixed-process: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
