/** Headless settings store: `conf` with the same schema electron-store uses on the desktop. */
import Conf from 'conf';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../common/privateFiles.ts';
import { settingsSchema, type SettingsStore, type StoredSettings } from './settings.ts';
import { recoverSettingsFile } from './settingsRecovery.ts';

/** Settings kept in `<dir>/settings.json` (0600); a damaged file is recovered first (see `recoverSettingsFile`). */
export function createConfSettingsStore(dir: string): SettingsStore {
  const problem = recoverSettingsFile(path.join(dir, 'settings.json'));
  const store = new Conf<Record<string, unknown>>({ cwd: dir, configName: 'settings', projectName: 'cos-sync', schema: settingsSchema as never, configFileMode: PRIVATE_FILE_MODE });
  return {
    read: () => store.store as Partial<StoredSettings>,
    write: (settings) => {
      store.set(settings as unknown as Record<string, unknown>);
    },
    problems: () => (problem ? [problem] : []),
  };
}
