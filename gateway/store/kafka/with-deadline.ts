// Bounds a promise in time: the caller gets an answer within `ms` even when the work underneath hangs.

/**
 * Resolves or rejects like `work`, or rejects with `onTimeout()` once `ms` have passed. The work is not
 * cancelled (a Kafka send may still complete later): callers must treat a timeout as "outcome unknown".
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
