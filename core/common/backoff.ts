/** Exponential backoff with full jitter, and an abortable sleep. */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay in ms. Default 200. */
  baseMs?: number;
  /** Ceiling in ms. Default 20,000. */
  maxMs?: number;
  /** Random source in [0, 1). Injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based): full jitter over `min(max, base * 2^attempt)`. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 20_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
