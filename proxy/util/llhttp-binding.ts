// Node's own llhttp parser (the one node:http runs on both sides), reached through the `_http_common` module.
import { createRequire } from 'node:module';

/** What `execute` returns for bytes that are not HTTP/1.x (llhttp's error code, e.g. HPE_INVALID_METHOD). */
export interface ParseFailure extends Error {
  code: string;
  reason?: string;
}

/** A socket's native stream handle (libuv TCP), as net.Socket keeps it. */
export interface StreamHandle {
  readonly isStreamBase?: boolean;
  readStart(): number;
  readStop(): number;
}

/** The native parser object; callbacks are set on the numbered slots below. */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | ParseFailure;
  consume(handle: StreamHandle): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  finish(): undefined | ParseFailure;
  close(): void;
  [slot: number]: unknown;
}

interface NativeParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientChunkedLength: number;
}

const common = createRequire(import.meta.url)('_http_common') as { HTTPParser: NativeParserClass; methods: string[] };

export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method number. */
export const methods = common.methods;

/** The socket's native handle if llhttp can read it directly (a TCP socket), else undefined. */
export function streamHandleOf(socket: object): StreamHandle | undefined {
  const handle = (socket as { _handle?: StreamHandle | null })._handle;
  return handle?.isStreamBase ? handle : undefined;
}
