// ZooKeeper failures as one error type with a stable code, so callers branch on codes instead of library internals.

/** Codes callers branch on. Server codes keep ZooKeeper's names; TIMEOUT, CONNECT_TIMEOUT and CLOSED are ours. */
export type ZkErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  | 'NO_AUTH'
  | 'AUTH_FAILED'
  | 'TIMEOUT'
  | 'CONNECT_TIMEOUT'
  | 'CLOSED'
  | 'BAD_ARGUMENTS'
  | 'OTHER';

const known = new Set<string>([
  'NO_NODE', 'NODE_EXISTS', 'BAD_VERSION', 'NOT_EMPTY', 'NO_CHILDREN_FOR_EPHEMERALS', 'CONNECTION_LOSS',
  'SESSION_EXPIRED', 'NO_AUTH', 'AUTH_FAILED', 'BAD_ARGUMENTS',
]);

/** Connectivity problems may succeed when retried later; logical ones (NODE_EXISTS, BAD_VERSION...) will not by themselves. */
const retriableCodes = new Set<ZkErrorCode>(['CONNECTION_LOSS', 'SESSION_EXPIRED', 'TIMEOUT', 'CONNECT_TIMEOUT']);

export class ZkError extends Error {
  readonly code: ZkErrorCode;
  readonly path: string | undefined;
  readonly retriable: boolean;

  constructor(code: ZkErrorCode, message: string, path?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ZkError';
    this.code = code;
    this.path = path;
    this.retriable = retriableCodes.has(code);
  }
}

export const isZkError = (e: unknown, code?: ZkErrorCode): e is ZkError =>
  e instanceof ZkError && (code === undefined || e.code === code);

/** Wraps a node-zookeeper-client Exception (it has a `name` like 'NO_NODE') or a thrown assertion into a ZkError. */
export function toZkError(e: unknown, op: string, path: string): ZkError {
  if (e instanceof ZkError) return e;
  const name = e instanceof Error ? e.name : '';
  const code: ZkErrorCode = known.has(name) ? (name as ZkErrorCode) : 'OTHER';
  const detail = e instanceof Error ? e.message : String(e);
  return new ZkError(code, `zookeeper ${op} ${path}: ${code === 'OTHER' ? detail : code}`, path, e);
}
