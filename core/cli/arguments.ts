/** Small option parser over node:util parseArgs that turns mistakes into a {@link UsageError}. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
