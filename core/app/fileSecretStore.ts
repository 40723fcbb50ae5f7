/** Headless secret store: one JSON file with mode 0600 in the app data folder (the desktop uses safeStorage). */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretStore } from './settings.ts';

/** A {@link SecretStore} kept in `<dir>/secrets.json`, readable by the owner only. */
export function createFileSecretStore(dir: string): SecretStore {
  const file = path.join(dir, 'secrets.json');
  const load = async (): Promise<Record<string, string>> => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const save = async (values: Record<string, string>): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(values), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  };
  return {
    async get(name) {
      return (await load())[name];
    },
    async set(name, value) {
      await save({ ...(await load()), [name]: value });
    },
    async delete(name) {
      const values = await load();
      delete values[name];
      await save(values);
    },
  };
}
