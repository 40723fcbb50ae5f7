/** The validity window of a COS signature (`q-sign-time`, `q-key-time`): parsing and the check against the server clock. */

/** A `start;end` window, Unix seconds, `start <= end`. */
export interface CosTimeWindow {
  start: number;
  end: number;
}

/** Why a window was refused: the COS error the server answers with. */
export interface CosTimeWindowFailure {
  code: 'AccessDenied' | 'RequestTimeTooSkewed';
  message: string;
}

/**
 * Parses `start;end` (two non-negative decimal integers, `start <= end`); undefined otherwise. Strict on purpose: the
 * text is what the signature covers, so a lenient parse (`1e9`, spaces, a third field) would let two texts that sign
 * differently mean the same window.
 */
export function parseCosTimeWindow(text: string): CosTimeWindow | undefined {
  const match = /^(\d{1,12});(\d{1,12})$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return start <= end ? { start, end } : undefined;
}

/**
 * Checks a window against now (cos-api.md §1.4). The start may lie at most `maxSkewSeconds` in the future (a client
 * clock ahead of ours): beyond that a header signature gets `RequestTimeTooSkewed` and a presigned URL or form
 * `AccessDenied` "Request is not valid yet". The end is strict — no skew is added, so a shared link dies when it
 * says — and a window that ended gets `AccessDenied` "Request has expired" (the exact message the SDK reacts to by
 * correcting its clock). Returns undefined when the window holds now.
 */
export function checkCosTimeWindow(window: CosTimeWindow, nowSeconds: number, maxSkewSeconds: number, presigned: boolean): CosTimeWindowFailure | undefined {
  if (window.start > nowSeconds + maxSkewSeconds) {
    return presigned
      ? { code: 'AccessDenied', message: 'Request is not valid yet' }
      : { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the server time is too large.' };
  }
  if (window.end < nowSeconds) return { code: 'AccessDenied', message: 'Request has expired' };
  return undefined;
}
