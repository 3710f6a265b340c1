// Apache Kafka broker jars from Maven Central (no Kafka in apt or npm), cached in .cache/kafka-<version>/libs.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { withLock } from './lock.js';
import { cacheDir } from './paths.js';
import { run } from './proc.js';

const log = createLogger({ component: 'kafka-dist' });

/** Latest 3.9 release: kafkajs 2.2.4 needs the protocol versions that Kafka 4.0 removed (KIP-896). */
export const KAFKA_VERSION = process.env.KATEWAY_KAFKA_VERSION ?? '3.9.2';

/** Pinned so that a cold start resolves the same plugin everywhere. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** Folder with every jar the broker needs (`java -cp '<dir>/*' kafka.Kafka ...`). */
export function kafkaLibsDir(version = KAFKA_VERSION): string {
  return join(cacheDir(`kafka-${version}`), 'libs');
}

/** The broker, its transitive runtime jars, and a reload4j logging binding (logback excluded: one binding only). */
function pom(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kateway</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${version}</version>
      <exclusions>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>1.2.25</version>
    </dependency>
  </dependencies>
</project>
`;
}

/**
 * Downloads the broker jars once (about 46 MB; 30 s cold here) and returns their folder. A `.complete` marker written
 * last means an interrupted download is redone rather than used; a lock keeps parallel callers from racing.
 */
export async function ensureKafkaLibs(version = KAFKA_VERSION): Promise<string> {
  const base = cacheDir(`kafka-${version}`);
  const libs = join(base, 'libs');
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  mkdirSync(base, { recursive: true });
  return withLock(join(base, '.lock'), async () => {
    if (existsSync(marker)) return libs;
    const t0 = Date.now();
    log.info('downloading Kafka from Maven Central', { version, into: libs });
    writeFileSync(join(base, 'pom.xml'), pom(version));
    const tmp = join(base, 'libs.partial');
    rmSync(tmp, { recursive: true, force: true });
    const args = [
      '-q', '-B',
      `-Dmaven.repo.local=${cacheDir('m2')}`,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ];
    try {
      await run('mvn', args, { cwd: base });
    } catch (err) {
      // One retry: a transient Maven Central hiccup should not fail a whole CI run.
      log.warn('maven download failed, retrying once', { err: err as Error });
      await run('mvn', args, { cwd: base });
    }
    rmSync(libs, { recursive: true, force: true });
    renameSync(tmp, libs);
    writeFileSync(marker, new Date().toISOString() + '\n');
    log.info('Kafka downloaded', { version, ms: Date.now() - t0 });
    return libs;
  });
}
