/** Secrets (SecretKey, SSE-C keys) encrypted with the OS keychain through Electron's safeStorage. */
import type { SecretStore } from '../../core/index.ts';

/** The parts of Electron's safeStorage and of a key-value store that the secret store needs. */
export interface SecretBackends {
  safeStorage: { isEncryptionAvailable(): boolean; encryptString(text: string): Buffer; decryptString(data: Buffer): string };
  store: { get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): void };
}

/** A {@link SecretStore} whose values are only ever stored encrypted by safeStorage. */
export function createSafeSecretStore({ safeStorage, store }: SecretBackends): SecretStore {
  const slot = (name: string): string => `secrets.${name}`;
  return {
    async get(name) {
      const stored = store.get(slot(name));
      if (typeof stored !== 'string') return undefined;
      return safeStorage.decryptString(Buffer.from(stored, 'base64'));
    },
    async set(name, value) {
      if (!safeStorage.isEncryptionAvailable()) {
        throw Object.assign(new Error('The system keychain is not available, so the secret key cannot be stored safely.'), {
          code: 'KeychainUnavailable',
          hint: 'Unlock or install a keyring (e.g. gnome-keyring or KWallet) and try again.',
        });
      }
      store.set(slot(name), safeStorage.encryptString(value).toString('base64'));
    },
    async delete(name) {
      store.delete(slot(name));
    },
  };
}
