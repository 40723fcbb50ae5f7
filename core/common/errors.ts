/** Error type shared by every core module: a stable code, a retry class and a fix hint. */

/** How a caller should react to an error. */
export type RetryClass =
  /** Try again later with backoff (5xx, SlowDown, network reset, timeout). */
  | 'retry'
  /** The request is wrong: retrying the same thing will fail the same way. */
  | 'fatal'
  /** Credentials or permissions: pause the work and ask the user. */
  | 'auth'
  /** The remote is unreachable: pause and resume when it answers again. */
  | 'offline'
  /** The operation was cancelled by its caller. */
  | 'cancelled';

/** Options for {@link CosSyncError}. */
export interface CosSyncErrorOptions {
  /** How callers should react. Default `fatal`. */
  retry?: RetryClass;
  /** One sentence telling the user how to fix it. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Extra, non-secret context for logs and UIs. */
  details?: Record<string, string | number | boolean | undefined>;
}

/**
 * An error with a stable machine-readable `code` (e.g. `SseNotConfirmed`, `Crc64Mismatch`), a retry
 * class and an optional fix hint. Messages are whole sentences meant for users and never contain
 * secrets.
 */
export class CosSyncError extends Error {
  readonly code: string;
  readonly retry: RetryClass;
  readonly hint: string | undefined;
  readonly details: Record<string, string | number | boolean | undefined>;

  constructor(code: string, message: string, options: CosSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CosSyncError';
    this.code = code;
    this.retry = options.retry ?? 'fatal';
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** True when `error` is a {@link CosSyncError} with the given code. */
export function hasCode(error: unknown, code: string): boolean {
  return error instanceof CosSyncError && error.code === code;
}

/** The retry class of any thrown value: network errors from Node count as `offline` or `retry`. */
export function retryClassOf(error: unknown): RetryClass {
  if (error instanceof CosSyncError) return error.retry;
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN') return 'offline';
  if (typeof code === 'string' && (code.startsWith('UND_ERR') || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT')) return 'retry';
  return 'fatal';
}

/** A readable one-line message for any thrown value, with the fix hint when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof CosSyncError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
