/** Injectable clock so that signing, expiry and backoff can be tested with fixed time. */

/** Source of the current time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock frozen at `ms` that tests can move with `advance`. */
export function fixedClock(ms: number): Clock & { advance(deltaMs: number): void } {
  let current = ms;
  return {
    now: () => current,
    advance(deltaMs) {
      current += deltaMs;
    },
  };
}
