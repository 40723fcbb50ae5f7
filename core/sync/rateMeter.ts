/** A sliding-window transfer rate (bytes/s) for the 'syncing' status. */
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';

/** Sums bytes recorded over the last `windowMs` (default 10 s). */
export class RateMeter {
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #samples: { at: number; bytes: number }[] = [];
  #sum = 0;
  #startedAt: number | undefined;

  constructor(options: { windowMs?: number; clock?: Clock } = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Records bytes sent now. */
  record(bytes: number): void {
    if (bytes <= 0) return;
    const now = this.#clock.now();
    this.#startedAt ??= now;
    const last = this.#samples.at(-1);
    // One sample per 100 ms keeps the array small at high event rates.
    if (last && now - last.at < 100) last.bytes += bytes;
    else this.#samples.push({ at: now, bytes });
    this.#sum += bytes;
    this.#trim(now);
  }

  /** Bytes per second over the window (over the time since the first record when that is shorter, at least 1 s). */
  rate(): number {
    const now = this.#clock.now();
    this.#trim(now);
    if (this.#samples.length === 0 || this.#startedAt === undefined) return 0;
    const span = Math.min(this.#windowMs, Math.max(1000, now - this.#startedAt));
    return Math.round((this.#sum * 1000) / span);
  }

  #trim(now: number): void {
    while (this.#samples.length > 0 && this.#samples[0]!.at <= now - this.#windowMs) this.#sum -= this.#samples.shift()!.bytes;
  }
}
