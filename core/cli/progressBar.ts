/** The CLI's progress line: drawn in place on a TTY (≤ 10×/s); otherwise plain lines at the start, every interval and at the end; with rate and ETA. */

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Formats an amount (default: the number as is). */
  format?: (amount: number) => string;
  /** Unit after a rate (default `/s` after the formatted amount). */
  rateUnit?: string;
  /** Milliseconds between plain lines when the stream is not a TTY (default 5000). */
  plainIntervalMs?: number;
}

/** A progress line; `total` may be unknown at first (undefined: no percent or ETA) and set later with `setTotal`. */
export function progressBar(initialTotal: number | undefined, stream: NodeJS.WriteStream, options: ProgressBarOptions = {}): { update(done: number, current?: string): void; setTotal(total: number): void; clear(): void } {
  let total = initialTotal;
  const format = options.format ?? ((amount: number) => Math.round(amount).toLocaleString('en-US'));
  const rateUnit = options.rateUnit ?? '/s';
  const started = performance.now();
  // The first update always draws, so a log shows that work began even if it ends within one interval.
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, current = '') {
      const now = performance.now();
      const finished = total !== undefined && done >= total;
      if (now - last < (stream.isTTY ? 100 : (options.plainIntervalMs ?? 5000)) && !finished) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const percent = total === undefined ? 0 : total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      const eta = rate > 0 && total !== undefined ? `${Math.ceil(Math.max(0, total - done) / rate)}s` : '?';
      const text = total === undefined
        ? `${format(done)}  ${format(rate)}${rateUnit}  ${current}`.trimEnd()
        : `${format(done)}/${format(total)}  ${percent}%  ${format(rate)}${rateUnit}  ETA ${eta}  ${current}`.trimEnd();
      if (stream.isTTY) {
        const width = 20;
        const filled = Math.round((percent / 100) * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`.slice(0, (stream.columns || 120) + 8));
        drawn = true;
      } else stream.write(`progress ${text}\n`);
    },
    setTotal(next) {
      total = next;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
