/** PauseGate: lets a long job be paused between items and resumed, without losing its place. */

/** A gate that workers pass before each item; closed while paused. */
export class PauseGate {
  #paused = false;
  #waiters: (() => void)[] = [];

  /** True while paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Work already running finishes; the next item waits until {@link resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Lets waiting workers continue. */
  resume(): void {
    this.#paused = false;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves at once when open, else when resumed; rejects with the signal's reason when it aborts first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.#paused) return Promise.resolve();
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        reject(signal!.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
