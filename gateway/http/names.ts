// Names in the API: their schemas (validated from the route declarations) and the store topic they map to.
import type { JsonSchema } from './route.js';

/** Topic names: the seed forbids slash, dot, `~`, `+`, `@`; case-sensitive. */
export const topicSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Topic name' };
export const verSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,16}$', description: 'Topic version, like v1' };
export const appidSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Application id' };
export const groupSchema: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'Consumer group name' };

/** The store's topic for an app's topic and version: `appid.topic.ver`, as in the original. */
export const storeTopic = (appid: string, topic: string, ver: string): string => `${appid}.${topic}.${ver}`;
