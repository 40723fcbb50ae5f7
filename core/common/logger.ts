/** Minimal structured logger; every message passes through {@link redact} so secrets never reach logs. */
import { redact } from './redact.ts';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where log lines go. Inject one into modules that log. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing redacted JSON lines to a stream (stderr by default) at or above `minimum`. */
export function createLogger(minimum: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  return {
    log(level, message, fields) {
      if (order[level] < order[minimum]) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
      write(redact(line));
    },
  };
}

/** A logger that drops everything (tests, quiet CLIs). */
export const silentLogger: Logger = { log() {} };
