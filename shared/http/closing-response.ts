// The one error response written straight onto a socket, where no response object exists (a request that could not
// be parsed, a refused WebSocket upgrade): JSON `{"errmsg"}` body, then the connection closes.
import { STATUS_CODES } from 'node:http';

/**
 * A complete HTTP/1.1 response with `{"errmsg": errmsg}` and `connection: close`. `extra` holds more headers as
 * [name, value, ...] pairs (e.g. Retry-After on a refused upgrade).
 */
export function closingErrorResponse(status: number, errmsg: string, extra: readonly string[] = []): string {
  const body = JSON.stringify({ errmsg });
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf8\r\n`;
  for (let i = 0; i < extra.length; i += 2) head += `${extra[i]}: ${extra[i + 1]}\r\n`;
  return `${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
