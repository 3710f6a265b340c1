// Event-driven waits for tests: poll a condition with a deadline, await an event, bound a promise. Never bare sleeps.
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number;
  /** Poll period in ms (default 20). */
  intervalMs?: number;
  /** What is awaited, for the timeout error. */
  message?: string;
}

/**
 * Calls `fn` until it returns a truthy value and resolves with that value. A throw counts as "not yet"; the last
 * error is attached to the timeout error so a failing test shows why the condition never held.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= end) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`waitFor(${opts.message ?? 'condition'}) timed out after ${timeoutMs} ms${why}`, { cause: lastError });
    }
    await sleep(opts.intervalMs ?? 20);
  }
}

/**
 * Resolves with the arguments of the first `event` for which `filter` (if any) holds; rejects on timeout or on an
 * 'error' event (unless `event` is 'error').
 */
export function waitForEvent(
  emitter: EventEmitter,
  event: string,
  opts: { timeoutMs?: number; filter?: (...args: unknown[]) => boolean } = {},
): Promise<unknown[]> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      emitter.off('error', onError);
    };
    const onEvent = (...args: unknown[]): void => {
      if (opts.filter && !opts.filter(...args)) return;
      cleanup();
      resolve(args);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`waitForEvent('${event}') timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

/** `promise`, or a rejection naming `what` once `ms` pass first. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve/reject exposed, for callbacks a test wants to await. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
