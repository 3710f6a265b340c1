// Name → service, in start order, for the infra CLI and the test runner.
import { kafkaClusterService } from './kafka-cluster.js';
import { kafkaService } from './kafka.js';
import type { ManagedService, ServiceName } from './managed-service.js';
import { redisService } from './redis.js';
import { zookeeperService } from './zookeeper.js';

export const SERVICES: Record<ServiceName, ManagedService> = {
  zookeeper: zookeeperService,
  kafka: kafkaService,
  'kafka-cluster': kafkaClusterService,
  redis: redisService,
};

/** What `infra up` and every test run start; the cluster is started on demand by the tests that need it. */
export const DEFAULT_SERVICES: readonly ServiceName[] = ['zookeeper', 'kafka', 'redis'];

/** Env var a test reads for each service's connect string. */
export const TEST_ENV: Record<ServiceName, string> = {
  zookeeper: 'KATEWAY_TEST_ZK',
  kafka: 'KATEWAY_TEST_KAFKA',
  'kafka-cluster': 'KATEWAY_TEST_KAFKA_CLUSTER',
  redis: 'KATEWAY_TEST_REDIS',
};

export function isServiceName(s: string): s is ServiceName {
  return Object.hasOwn(SERVICES, s);
}
