/** Test helper: timers driven by a fixed clock, advanced explicitly (no real waiting). */
import { fixedClock } from '../../core/common/clock.ts';
import type { Timers } from '../../core/sync/timers.ts';

/** A clock plus timers; `advance` moves time and runs due callbacks in order, letting async work settle between them. */
export function manualTimers(start = 1_000_000): Timers & { clock: ReturnType<typeof fixedClock>; advance(ms: number): Promise<void>; pending(): number } {
  const clock = fixedClock(start);
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: clock.now() + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => timers.size,
    async advance(ms) {
      const end = clock.now() + ms;
      await settle();
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        if (due[1].at > clock.now()) clock.advance(due[1].at - clock.now());
        due[1].callback();
        await settle();
      }
      if (end > clock.now()) clock.advance(end - clock.now());
      await settle();
    },
  };
}
