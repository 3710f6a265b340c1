// Unique names for topics, groups and ZooKeeper paths, so tests sharing one server never see each other's data.
import { randomBytes } from 'node:crypto';

/** `<prefix>-<time36>-<6 hex>`: only [a-z0-9-], valid as a Kafka topic, a consumer group, or a ZooKeeper node. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
