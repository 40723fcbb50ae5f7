/** Headless secret store: one JSON file with mode 0600 in the app data folder (the desktop uses safeStorage). */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../common/errors.ts';
import { PRIVATE_FILE_MODE } from '../common/privateFiles.ts';
import { keepAside } from './keepAside.ts';
import type { SecretStore, StoreProblem } from './settings.ts';

/** Options of {@link createFileSecretStore}. */
export interface FileSecretStoreOptions {
  /** Clock for the `.corrupt-<time>` name. */
  now?: () => number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringLiteral = /"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** The secrets a file's text still holds, and what is wrong with it (undefined when nothing is). */
function parseSecrets(text: string): { values: Record<string, string>; damage?: string; lost: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a truncated or hand-edited file): keep every complete "name": "value" pair still in it.
    const values: Record<string, string> = {};
    for (const match of text.matchAll(stringLiteral)) {
      try {
        values[JSON.parse(`"${match[1]!}"`) as string] = JSON.parse(`"${match[2]!}"`) as string;
      } catch {
        // a pair with a broken escape is lost
      }
    }
    return { values, damage: 'it is not valid JSON', lost: [] };
  }
  if (!isObject(parsed)) return { values: {}, damage: 'it is not a JSON object', lost: [] };
  const values: Record<string, string> = {};
  const lost: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') values[name] = value;
    else lost.push(name);
  }
  return lost.length > 0 ? { values, damage: 'some entries are not text', lost } : { values, lost };
}

/**
 * A {@link SecretStore} kept in `<dir>/secrets.json`, readable by the owner only. Operations run one at a time, so
 * concurrent writes never drop each other's entries. A damaged file is never silently replaced: it is kept as
 * `secrets.json.corrupt-<time>`, every secret still readable in it is written back, and {@link SecretStore.problems}
 * says what happened. A file that exists but cannot be read fails the operation (`SecretsUnreadable`) and is left alone.
 */
export function createFileSecretStore(dir: string, options: FileSecretStoreOptions = {}): SecretStore {
  const file = path.join(dir, 'secrets.json');
  const now = options.now ?? Date.now;
  const problems: StoreProblem[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const save = async (values: Record<string, string>): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(values), { mode: PRIVATE_FILE_MODE });
    await chmod(temporary, PRIVATE_FILE_MODE);
    await rename(temporary, file);
  };
  const load = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return {};
      throw new CosSyncError('SecretsUnreadable', `The secrets file ${file} could not be read (${code ?? String(error)}); nothing was changed.`, {
        hint: 'Check that the file belongs to you and is readable, then try again.', cause: error,
      });
    }
    const { values, damage, lost } = parseSecrets(text);
    if (damage === undefined) return values;
    const aside = path.basename(keepAside(file, now()));
    await save(values);
    const count = Object.keys(values).length;
    problems.push({
      code: 'SecretsFileDamaged',
      message: `The secrets file was damaged (${damage}). It is kept as ${aside}; ${count} stored secret${count === 1 ? ' was' : 's were'} recovered from it${lost.length > 0 ? ` and these were lost: ${lost.join(', ')}` : ''}.`,
      hint: 'Accounts whose SecretKey was lost ask for it again in Settings (SecretKey: Required): enter it there.',
      retry: 'fatal',
      at: now(),
    });
    return values;
  };
  return {
    get: (name) => exclusive(async () => (await load())[name]),
    set: (name, value) => exclusive(async () => save({ ...(await load()), [name]: value })),
    delete: (name) => exclusive(async () => {
      const values = await load();
      if (!(name in values)) return;
      delete values[name];
      await save(values);
    }),
    names: () => exclusive(async () => Object.keys(await load())),
    problems: () => [...problems],
    storage: () => ({ kind: 'file', description: `${file} (readable by you only)` }),
  };
}
