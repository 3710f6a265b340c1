// Validates and coerces query parameters against a route's declared JSON schema (ajv, compiled once per route).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { badRequest } from '../../shared/errors.js';
import type { JsonSchema } from './route.js';

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false });

/** The validated, coerced query of a request; shared between requests with the same query string, so read-only. */
export type Query = Readonly<Record<string, unknown>>;
export type QueryValidator = (search: string) => Query;

/**
 * Query strings remembered per route. Clients repeat theirs on every request (`?group=g`, or none at all), so
 * most requests skip parsing and ajv; the bound keeps varied strings (keys, offsets) from growing memory.
 */
const CACHED_QUERIES = 1024;

/** Builds a validator for `schema`; the returned function throws 400 with a readable message. */
export function compileQueryValidator(schema: JsonSchema & { properties: Record<string, JsonSchema> }): QueryValidator {
  const validate: ValidateFunction = ajv.compile({ ...schema, additionalProperties: true });
  const names = Object.keys(schema.properties);
  const cache = new Map<string, Query>();
  return (search) => {
    const hit = cache.get(search);
    if (hit) return hit;
    const query: Record<string, unknown> = {};
    if (search) {
      const sp = new URLSearchParams(search);
      for (const n of names) {
        const v = sp.get(n);
        if (v !== null) query[n] = v;
      }
    }
    if (!validate(query)) throw badRequest(describe(validate.errors?.[0]));
    if (cache.size >= CACHED_QUERIES) cache.clear();
    cache.set(search, Object.freeze(query));
    return query;
  };
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'invalid query';
  const where = err.instancePath ? `query parameter ${err.instancePath.slice(1)}` : 'query';
  if (err.keyword === 'required') return `missing query parameter ${String(err.params['missingProperty'])}`;
  return `${where} ${err.message ?? 'is invalid'}`;
}
