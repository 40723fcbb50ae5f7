/** Test helpers for the app service: settings and secrets in memory, and polling until a condition holds. */
import type { SecretStore, SettingsStore, StoredSettings } from '../../core/app/settings.ts';

/** A settings store in memory (`value` is what was written last). */
export function memorySettings(): SettingsStore & { value: Partial<StoredSettings> } {
  const store = {
    value: {} as Partial<StoredSettings>,
    read: () => structuredClone(store.value),
    write: (settings: StoredSettings) => void (store.value = structuredClone(settings)),
  };
  return store;
}

/** A secret store in memory. */
export function memorySecrets(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, get: async (name) => values.get(name), set: async (name, value) => void values.set(name, value), delete: async (name) => void values.delete(name) };
}

/** Polls `probe` every 100 ms until it returns a value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
