/** The `cos-sync` command: dispatches to one module per subcommand, loaded lazily so start-up stays fast. */
import { UsageError } from './arguments.ts';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  upload: { summary: 'upload files or folders to a bucket with server-side encryption', load: () => import('./commands/upload.ts') },
  engine: { summary: 'run the bundled local COS engine (SSE-COS at rest)', load: () => import('./commands/engine.ts') },
  keys: { summary: 'show or rotate the engine master keys', load: () => import('./commands/keys.ts') },
  sync: { summary: 'keep a folder pushed to a bucket, encrypted', load: () => import('./commands/sync.ts') },
  audit: { summary: 'count how every object of a bucket is encrypted (reads only)', load: () => import('./commands/audit.ts') },
  encrypt: { summary: 'encrypt every plaintext object of a bucket in place (journaled, verified)', load: () => import('./commands/encrypt.ts') },
  restore: { summary: 'bring the objects of a bucket back into a folder (verified, with modification times)', load: () => import('./commands/restore.ts') },
  serve: { summary: 'run the app headless, with its UI in a browser', load: () => import('./commands/serve.ts') },
};

/** Top-level help text. */
export function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: cos-sync <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `cos-sync <command> --help` for the options of one command.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code: 0 ok, 1 failure, 2 usage. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log('cos-sync 0.1.0');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command '${name}'.\n\n${helpText()}`);
    return 2;
  }
  try {
    const module = await command.load();
    return await module.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nRun \`cos-sync ${name} --help\` for usage.`);
      return 2;
    }
    throw error;
  }
}
