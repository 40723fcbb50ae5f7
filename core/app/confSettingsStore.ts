/** Headless settings store: `conf` with the same schema electron-store uses on the desktop. */
import Conf from 'conf';
import { PRIVATE_FILE_MODE } from '../common/privateFiles.ts';
import { settingsSchema, type SettingsStore, type StoredSettings } from './settings.ts';

/** Settings kept in `<dir>/settings.json`. */
export function createConfSettingsStore(dir: string): SettingsStore {
  const store = new Conf<Record<string, unknown>>({ cwd: dir, configName: 'settings', projectName: 'cos-sync', schema: settingsSchema as never, configFileMode: PRIVATE_FILE_MODE });
  return {
    read: () => store.store as Partial<StoredSettings>,
    write: (settings) => {
      store.set(settings as unknown as Record<string, unknown>);
    },
  };
}
