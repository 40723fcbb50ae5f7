/** The desktop app's own command-line options (Electron passes its argv through): `--ca-file FILE`. */

/** The value of `--ca-file FILE` or `--ca-file=FILE` in `argv`, or undefined. */
export function caFileArgument(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument.startsWith('--ca-file=')) return argument.slice('--ca-file='.length) || undefined;
    if (argument === '--ca-file') return argv[index + 1];
  }
  return undefined;
}
