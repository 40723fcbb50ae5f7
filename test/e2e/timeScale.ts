/** Upper bounds for waiting on browser and service states, stretched on a loaded machine (never a timing assert). */

/**
 * How much longer than on an idle machine a state may take to appear: `COS_SYNC_TEST_TIME_SCALE` (set by
 * scripts/test.ts from the load average when the suite starts, at least 1), so that a busy machine makes the
 * tests slower, never red.
 */
export const timeScale = Math.max(1, Number(process.env.COS_SYNC_TEST_TIME_SCALE ?? '1') || 1);

/** `ms` stretched by {@link timeScale}: the bound for one wait on a state. */
export function scaled(ms: number): number {
  return Math.round(ms * timeScale);
}
