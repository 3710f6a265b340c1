// Injected time: policies and health code read the clock and arm timers only through this seam (tests drive ManualClock).

/** Cancels a timer armed with `Clock.setTimer`; idempotent. */
export type CancelTimer = () => void;

export interface Clock {
  /** Monotonic milliseconds (not wall time): only differences are meaningful. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. The timer must never keep the process alive on its own. */
  setTimer(fn: () => void, ms: number): CancelTimer;
}

/** The real clock: performance.now() and unref'ed timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
