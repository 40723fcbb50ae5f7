/** Injectable timers so loops, debouncers and probes can be driven by tests without waiting. */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** setTimeout/clearTimeout behind an interface. Handles created by the system timers do not keep the process alive. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real timers (unref'd: an idle sync loop must not keep a CLI alive; owners clear them on dispose). */
export const systemTimers: Timers = {
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, Math.max(0, ms));
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
