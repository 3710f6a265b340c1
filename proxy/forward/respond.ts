// Writing the proxy's own responses (errors, admin JSON): the one place a proxy error becomes HTTP.
import type { FrontResponse } from '../front/front-response.js';
import { errmsgBody, type AppError } from '../../shared/errors.js';

const JSON_TYPE = 'application/json; charset=utf8';

export function sendJson(res: FrontResponse, status: number, text: string, extra: readonly string[] = []): void {
  res.writeHead(status, undefined, ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(text)), 'server', 'kateway-proxy', ...extra]);
  res.end(text);
}

/** `{"errmsg": ...}` with the error's status; a response already under way can only be cut short. */
export function sendError(res: FrontResponse, err: AppError, extra: readonly string[] = []): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, errmsgBody(err), extra);
}
