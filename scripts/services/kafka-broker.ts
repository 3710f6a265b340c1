// One KRaft Kafka process (broker+controller): properties, storage format, launch command, metadata readiness.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import kafkajs from 'kafkajs';
import { withLock } from './lock.js';
import type { StartOptions } from './managed-service.js';
import type { LaunchSpec } from './proc.js';
import { run } from './proc.js';

const { Kafka, logLevel } = kafkajs;

export interface BrokerOptions {
  nodeId: number;
  /** Client (PLAINTEXT) port. */
  port: number;
  /** KRaft controller port. */
  controllerPort: number;
  /** `controller.quorum.voters`, e.g. `1@127.0.0.1:9093`. */
  voters: string;
  /** Extra or overriding server properties (replication settings for a cluster, test tweaks). */
  extra?: Record<string, string | number | boolean>;
}

/** A stable Kafka cluster id per broker group: 16 bytes, URL-safe base64 (the format `kafka-storage random-uuid` prints). */
function groupClusterId(group: string): string {
  return createHash('sha256').update(`kateway-test-${group}`).digest().subarray(0, 16).toString('base64url');
}

/** Settings chosen for fast tests on one small machine; a cluster overrides the replication ones. */
function properties(dir: string, o: BrokerOptions): Record<string, string | number | boolean> {
  return {
    'process.roles': 'broker,controller',
    'node.id': o.nodeId,
    'controller.quorum.voters': o.voters,
    listeners: `PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    'num.partitions': 1,
    'auto.create.topics.enable': false,
    // No 3 s wait before the first consumer-group rebalance.
    'group.initial.rebalance.delay.ms': 0,
    // Internal topics: few partitions, so the first consumer group or transaction does not create 50.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    // A killed broker is fenced (and leaves the ISR, unblocking acks=all writes) after 6 s instead of 9 s. Shorter
    // (3 s) fenced live brokers on a loaded 2-core machine when JVM pauses delayed heartbeats.
    'broker.heartbeat.interval.ms': 1000,
    'broker.session.timeout.ms': 6000,
    ...o.extra,
  };
}

const LOG4J = (logs: string): string => `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${join(logs, 'server.log')}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
`;

/**
 * Writes `server.properties` and `log4j.properties` into `dir` and, unless `dir/data` is formatted already, fills it
 * from a formatted template. `fresh` wipes data and logs first. `group` names a set of brokers that share one
 * cluster id ('single' for one-broker clusters, 'cluster' for the 3-broker one).
 */
export async function prepareBroker(dir: string, o: BrokerOptions, group: string, libs: string, fresh: boolean): Promise<void> {
  if (fresh) {
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    rmSync(join(dir, 'logs'), { recursive: true, force: true });
  }
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const props = Object.entries(properties(dir, o)).map(([k, v]) => `${k}=${v}`);
  writeFileSync(join(dir, 'server.properties'), props.join('\n') + '\n');
  writeFileSync(join(dir, 'log4j.properties'), LOG4J(join(dir, 'logs')));
  if (isFormatted(dir)) return;
  const template = await formattedTemplate(group, o, libs);
  cpSync(template, join(dir, 'data'), { recursive: true });
}

/**
 * A log dir formatted once for (group, node id) and copied for every later start: the storage tool is a JVM start
 * of its own (~2 s), and its output (meta.properties, bootstrap checkpoint) holds no ports or paths.
 */
async function formattedTemplate(group: string, o: BrokerOptions, libs: string): Promise<string> {
  const base = join(dirname(libs), 'formatted');
  const dir = join(base, `${group}-node-${o.nodeId}`);
  if (existsSync(join(dir, 'meta.properties'))) return dir;
  mkdirSync(base, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(join(dir, 'meta.properties'))) return dir;
    const work = `${dir}.partial`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const props = Object.entries({ ...properties(work, o), 'log.dirs': join(work, 'data') }).map(([k, v]) => `${k}=${v}`);
    writeFileSync(join(work, 'server.properties'), props.join('\n') + '\n');
    writeFileSync(join(work, 'log4j.properties'), LOG4J(work));
    await run('java', [
      '-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC',
      `-Dlog4j.configuration=file:${join(work, 'log4j.properties')}`,
      '-cp', `${libs}/*`,
      'kafka.tools.StorageTool', 'format', '-t', groupClusterId(group), '-c', join(work, 'server.properties'),
    ], { cwd: work });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'data'), dir);
    rmSync(work, { recursive: true, force: true });
    return dir;
  });
}

/** True if `dir/data` holds a formatted KRaft log dir. */
export function isFormatted(dir: string): boolean {
  return existsSync(join(dir, 'data', 'meta.properties'));
}

/** `java -cp 'libs/*' kafka.Kafka server.properties`; broker logs in `dir/logs/server.log`, JVM output in `stdout.log`. */
export function brokerLaunchSpec(dir: string, libs: string, jit: StartOptions['jit']): LaunchSpec {
  const quick = jit === 'quick' ? ['-XX:TieredStopAtLevel=1'] : [];
  return {
    cmd: 'java',
    args: [
      // G1 with its default pause goal and a fixed heap: with MaxGCPauseMillis=20 it kept the young generation at
      // ~14 MB and paused 14-25 times a minute at 1,000 msgs/s (17-20 ms each, up to 63 ms on a loaded machine), which
      // alone reached the end-to-end p99; this pauses 2-5 times a minute (docs/BENCHMARKS.md, "End-to-end latency").
      // ParallelGC paused as rarely but promotes steadily toward a stop-the-world full collection.
      '-Xms512m', '-Xmx512m', '-XX:+UseG1GC',
      `-Xlog:gc:file=${join(dir, 'logs', 'gc.log')}:time,uptime:filecount=2,filesize=20M`,
      ...quick,
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${join(dir, 'logs')}`,
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      '-cp', `${libs}/*`,
      'kafka.Kafka', join(dir, 'server.properties'),
    ],
    cwd: dir,
    logFile: join(dir, 'logs', 'stdout.log'),
  };
}

/** Log files of a broker folder, for failure messages (GC pauses are in `logs/gc.log`). */
export function brokerLogFiles(dir: string): string[] {
  return [join(dir, 'logs', 'stdout.log'), join(dir, 'logs', 'server.log')];
}

/**
 * True if a metadata request through `bootstrap` lists at least `expectBrokers` live brokers (and `mustInclude`, a
 * node id, when given): the broker serves clients, not just accepts TCP.
 */
export async function kafkaMetadataReady(bootstrap: string[], expectBrokers: number, mustInclude?: number): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'kateway-infra-probe',
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    return brokers.length >= expectBrokers && (mustInclude === undefined || brokers.some((b) => b.nodeId === mustInclude));
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
