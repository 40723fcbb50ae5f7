/** `cos-sync serve`: placeholder until the command lands. */

/** Runs the command; returns the exit code. */
export async function run(_argv: string[]): Promise<number> {
  console.error('cos-sync serve is not available in this build yet.');
  return 1;
}
