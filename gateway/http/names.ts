// Names in the API: their schemas (validated from the route declarations) and the store topic they map to.
import { adler32 } from '../../shared/hash/adler32.js';
import type { JsonSchema } from './route.js';

/** Topic names: the seed forbids slash, dot, `~`, `+`, `@`; case-sensitive. */
export const topicSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Topic name' };
export const verSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,16}$', description: 'Topic version, like v1' };
export const appidSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Application id' };
export const groupSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'Consumer group name' };

/**
 * The store's topic for an app's topic and version, as the original names its Kafka topics (manager/mysql KafkaTopic):
 * `appid.topic.ver`, and from `v10` on (a version longer than 2 characters) `appid.topic.ver.<cookie>`, where the cookie is
 * adler32(appid + topic) mod 1000 in decimal. Kept so that kateway and the original read and write the same Kafka topics.
 */
export const storeTopic = (appid: string, topic: string, ver: string): string =>
  ver.length > 2 ? `${appid}.${topic}.${ver}.${adler32(appid + topic) % 1000}` : `${appid}.${topic}.${ver}`;
