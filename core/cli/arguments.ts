/** Small option parser over node:util parseArgs that turns mistakes into a {@link UsageError}. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkBindSecurity, type BindSecurity } from '../common/listenAddress.ts';
import { CosSyncError } from '../common/errors.ts';

/** A mistake in the command line; the CLI prints it and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` against `options`, allowing positionals; unknown options become a {@link UsageError}. */
export function parseCommandLine<T extends Options>(argv: string[], options: T): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Reads a positive integer option, or `fallback`; anything else is a {@link UsageError}. */
export function integerOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const multiplier = /[kK]i?[bB]?$/.test(text) ? 1024 : /[mM]i?[bB]?$/.test(text) ? 1024 ** 2 : /[gG]i?[bB]?$/.test(text) ? 1024 ** 3 : 1;
  const number = Number.parseInt(text, 10) * multiplier;
  if (!Number.isSafeInteger(number) || number <= 0 || !/^\d+/.test(text)) throw new UsageError(`--${name} must be a positive whole number (got '${text}').`);
  return number;
}

/** Reads a TCP port option: 0 (pick a free port) to 65535, or `fallback`; anything else is a {@link UsageError}. */
export function portOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--${name} must be a port number from 0 (any free port) to 65535 (got '${text}').`);
  return port;
}

/** Reads a host option: a name or an IP literal without a port or spaces, or `fallback`. */
export function hostOption(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  const text = String(value).trim().replace(/^\[(.*)\]$/, '$1');
  if (text === '' || /[\s/?#@]/.test(text) || (!text.includes(':') && text.includes('['))) throw new UsageError(`--${name} must be a host name or IP address (got '${String(value)}').`);
  return text;
}

/** {@link checkBindSecurity} for a command line: a refusal becomes a {@link UsageError}; returns the override's warning. */
export function bindSecurityOption(binding: BindSecurity): string | undefined {
  try {
    return checkBindSecurity(binding);
  } catch (error) {
    if (error instanceof CosSyncError) throw new UsageError(`${error.message}\n${error.hint ?? ''}`.trim());
    throw error;
  }
}
