/** A token bucket for the bandwidth limit, shared by every folder of a SyncManager. */
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { sleep as defaultSleep } from '../common/backoff.ts';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Bytes per second; 0 or less means unlimited. */
  bytesPerSecond: number;
  /** Tokens that may accumulate while idle. Default: one second's worth. */
  burstBytes?: number;
  clock?: Clock;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Bytes are accounted with {@link consume} as they are sent (the executor feeds `onProgress` deltas) and the
 * bucket may go into debt; {@link settle} waits until the debt is paid. The executor settles before each file and
 * after each multipart part (`onPart` is awaited by the store), so the average rate holds with a burst of at most
 * one part (or one small file) per upload in flight.
 */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #updatedAt: number;
  readonly #clock: Clock;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#rate = options.bytesPerSecond;
    this.#burst = options.burstBytes ?? Math.max(1, options.bytesPerSecond);
    this.#tokens = this.#burst;
    this.#updatedAt = this.#clock.now();
  }

  /** Current limit in bytes per second (0 = unlimited). */
  get bytesPerSecond(): number {
    return this.#rate > 0 ? this.#rate : 0;
  }

  /** Changes the limit (0 = unlimited) without losing the current debt. */
  setRate(bytesPerSecond: number, burstBytes?: number): void {
    this.#refill();
    this.#rate = bytesPerSecond;
    this.#burst = burstBytes ?? Math.max(1, bytesPerSecond);
    this.#tokens = Math.min(this.#tokens, this.#burst);
  }

  /** Records bytes that were sent. */
  consume(bytes: number): void {
    if (this.#rate <= 0 || bytes <= 0) return;
    this.#refill();
    this.#tokens -= bytes;
  }

  /** Milliseconds until the debt is paid (0 when there is none or the bucket is unlimited). */
  waitMs(): number {
    if (this.#rate <= 0) return 0;
    this.#refill();
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }

  /** Resolves once the debt is paid; rejects when `signal` aborts. */
  async settle(signal?: AbortSignal): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.#sleep(wait, signal);
  }

  #refill(): void {
    const now = this.#clock.now();
    if (this.#rate > 0) this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) * this.#rate) / 1000);
    this.#updatedAt = now;
  }
}
