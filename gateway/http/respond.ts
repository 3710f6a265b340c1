// Writing responses: JSON bodies, and the one place where errors become HTTP (never a stack trace).
import type { ServerResponse } from 'node:http';
import { AppError, isAppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { HeaderList } from './route.js';

export const JSON_TYPE = 'application/json; charset=utf8';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: HeaderList): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends JSON the caller already wrote as text (hot paths that build it without an object graph). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: HeaderList): void {
  res.writeHead(status, [...headers, 'Content-Type', JSON_TYPE, 'Content-Length', Buffer.byteLength(text)]);
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: HeaderList): void {
  res.writeHead(status, [...headers]);
  res.end();
}

/** Maps any thrown value to `{"errmsg": ...}`; unknown errors are logged and answered 500 without details. */
export function sendError(res: ServerResponse, err: unknown, headers: HeaderList, log: Logger): void {
  const appErr = toAppError(err, log);
  if (res.headersSent) {
    // Mid-stream failure: the only honest signal left is cutting the response short.
    res.destroy();
    return;
  }
  const retry = appErr.retryAfterSec === undefined ? headers : [...headers, 'Retry-After', String(Math.max(1, Math.ceil(appErr.retryAfterSec)))];
  sendJson(res, appErr.status, { errmsg: appErr.message }, retry);
}

export function toAppError(err: unknown, log: Logger): AppError {
  if (isAppError(err)) return err;
  log.error('internal error', { err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return new AppError('INTERNAL', 'internal error');
}
