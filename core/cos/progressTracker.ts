/** Monotonic, throttled upload progress over parallel parts whose attempts may restart after a retry. */

/** Receives cumulative bytes sent and the total. */
export type ProgressCallback = (bytesSent: number, totalBytes: number) => void;

/**
 * Sums, per part, the most bytes any attempt has written, so a retried part never makes the total go backwards.
 * Reports at most once per `intervalMs` (and always the final total on {@link finish}).
 */
export class ProgressTracker {
  readonly #total: number;
  readonly #callback: ProgressCallback | undefined;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #active = new Map<number, number>();
  #committed = 0;
  #lastReported = -1;
  #lastTime = Number.NEGATIVE_INFINITY;

  constructor(total: number, callback: ProgressCallback | undefined, intervalMs = 100, now: () => number = () => performance.now()) {
    this.#total = total;
    this.#callback = callback;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Bytes counted so far. */
  get sent(): number {
    let sum = this.#committed;
    for (const bytes of this.#active.values()) sum += bytes;
    return Math.min(sum, this.#total);
  }

  /** Counts bytes already stored before this run (resumed parts) without sending them. */
  skip(bytes: number): void {
    this.#committed += bytes;
    this.#report(false);
  }

  /** An attempt of part `id` has written `attemptBytes` so far. */
  update(id: number, attemptBytes: number): void {
    if (attemptBytes > (this.#active.get(id) ?? 0)) this.#active.set(id, attemptBytes);
    this.#report(false);
  }

  /** Part `id` is stored: its full `size` counts from now on. */
  complete(id: number, size: number): void {
    this.#active.delete(id);
    this.#committed += size;
    this.#report(false);
  }

  /** Reports the final total (once). */
  finish(): void {
    this.#report(true);
  }

  #report(force: boolean): void {
    if (!this.#callback) return;
    const sent = this.sent;
    const now = this.#now();
    if (sent <= this.#lastReported && !(force && this.#lastReported < this.#total)) return;
    if (!force && now - this.#lastTime < this.#intervalMs && sent < this.#total) return;
    this.#lastReported = sent;
    this.#lastTime = now;
    this.#callback(sent, this.#total);
  }
}
