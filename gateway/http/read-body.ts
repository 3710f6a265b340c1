// Reads a request body with a byte limit: declared oversize bodies are refused before a byte is read.
import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode, badRequest } from '../../shared/errors.js';

/**
 * The whole body as one Buffer. 413 when Content-Length (or the bytes received so far, for chunked uploads)
 * exceeds `maxBytes`; 400 when the client aborts or sends less than it declared.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  const length = declared === undefined ? -1 : Number(declared);
  if (declared !== undefined && (!Number.isInteger(length) || length < 0)) {
    return Promise.reject(badRequest('invalid Content-Length'));
  }
  if (length > maxBytes) return Promise.reject(tooBig(maxBytes));
  if (length === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanup();
        req.resume(); // drain what is left so the connection can still carry the 413
        reject(tooBig(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    // No cleanup once the body ended: nothing more arrives, and a late error finds a settled promise.
    const onEnd = (): void => {
      if (length >= 0 && received !== length) reject(badRequest('body shorter than Content-Length'));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (): void => {
      cleanup();
      reject(badRequest('error reading request body'));
    };
    const onAborted = (): void => {
      cleanup();
      reject(badRequest('client aborted the request'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const tooBig = (max: number): AppError => new AppError(ErrorCode.TOO_LARGE, `too big message: limit is ${max} bytes`);
