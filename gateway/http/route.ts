// A route is declared once, with JSON schemas: the server validates from it and the OpenAPI document is built from it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type Listener = 'pub' | 'sub' | 'man';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A JSON schema (the subset this project writes). */
export interface JsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  description?: string;
  pattern?: string;
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  oneOf?: readonly JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface ResponseSpec {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  /** Content type → schema; omitted for empty bodies. */
  content?: Record<string, { schema: JsonSchema }>;
}

/** What the declarative part of a route says; `openapi.ts` turns these into the published document. */
export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  /** Express-style path: `/v1/msgs/:topic/:ver`. */
  path: string;
  listeners: readonly Listener[];
  summary: string;
  tags: readonly string[];
  /** Path parameter schemas, by name. */
  params?: Record<string, JsonSchema>;
  /** Query parameters as one object schema (unknown parameters are ignored, as the original did). */
  query?: JsonSchema & { type: 'object'; properties: Record<string, JsonSchema> };
  headers?: readonly HeaderSpec[];
  requestBody?: { required: boolean; description: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseSpec>;
  /** Served as a WebSocket upgrade (GET with `Upgrade: websocket`). */
  websocket?: boolean;
}

/** Response headers as a flat name, value, name, value… list: `writeHead` stores it without building an object. */
export type HeaderList = readonly (string | number)[];

/** The per-request state handed to a handler. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Decoded path parameters; shared by requests for the same path, so read-only. */
  readonly params: Readonly<Record<string, string>>;
  /** Validated, coerced query parameters (only the declared ones); shared by requests with the same query string. */
  readonly query: Readonly<Record<string, unknown>>;
  /**
   * Headers every response of this request starts with (Server; X-Serverid on trace). When the gateway drains,
   * the server marks the response `Connection: close` itself.
   */
  readonly baseHeaders: HeaderList;
  /** Aborts when the client goes away or the gateway shuts down. Created on first use: ask only when about to wait. */
  readonly signal: AbortSignal;
}

/** The state of a WebSocket upgrade request, before the handshake. */
export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, unknown>>;
}

export interface Route extends RouteSpec {
  /** Plain HTTP requests (a WebSocket-only route answers them 426 without calling this). */
  handle(ctx: RequestContext): Promise<void> | void;
  /** WebSocket upgrades; errors thrown before the handshake are answered as HTTP JSON errors. */
  handleUpgrade?(ctx: UpgradeContext): Promise<void>;
}

/** Common error response declarations. */
export const errorResponse = (description: string): ResponseSpec => ({
  description,
  content: { 'application/json': { schema: { type: 'object', properties: { errmsg: { type: 'string' } }, required: ['errmsg'] } } },
});
