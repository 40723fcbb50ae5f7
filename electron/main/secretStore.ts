/** Desktop secrets (SecretKey, SSE-C keys): the OS keychain through Electron's safeStorage, or the 0600 file store when that is not safe. */
import type { SecretStorageInfo, SecretStore, StoreProblem } from '../../core/index.ts';

/** The parts of Electron's safeStorage the secret store uses (a fake in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
  /** Linux only: the password store Electron chose (`basic_text` means a hardcoded key). */
  getSelectedStorageBackend?(): string;
}

/** What {@link createDesktopSecretStore} chooses from. */
export interface SecretBackends {
  safeStorage: SafeStorageLike;
  /** The electron-store holding safeStorage ciphertexts under `secrets.<name>`. */
  store: { get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): void };
  /** The same 0600 file store the headless mode uses (its `storage()` names the file). */
  fileStore: SecretStore;
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** Clock of the problem it reports. */
  now?: () => number;
}

const keychainNames: Record<string, string> = {
  gnome_libsecret: 'GNOME Keyring (libsecret)', kwallet: 'KWallet', kwallet5: 'KWallet 5', kwallet6: 'KWallet 6', darwin: 'macOS Keychain', win32: 'Windows DPAPI',
};
const slotPrefix = 'secrets.';

/**
 * Whether safeStorage really protects secrets here, and under which name. On Linux Electron may pick `basic_text`,
 * whose key is the same constant on every machine (so its "encryption" protects nothing), or `unknown`; both count
 * as unsafe, as does a keychain that is not available.
 */
export function keychainChoice(safeStorage: SafeStorageLike, platform: NodeJS.Platform): { safe: true; name: string } | { safe: false; reason: string } {
  if (!safeStorage.isEncryptionAvailable()) return { safe: false, reason: 'the system keychain is not available' };
  if (platform !== 'linux') return { safe: true, name: keychainNames[platform] ?? 'the system keychain' };
  const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  if (backend === 'basic_text') return { safe: false, reason: "no system keyring was found, so Electron would use 'basic_text', whose key is the same on every machine" };
  if (!(backend in keychainNames)) return { safe: false, reason: `Electron reports the password store '${backend}'` };
  return { safe: true, name: keychainNames[backend]! };
}

/** A {@link SecretStore} whose values are only ever stored encrypted by safeStorage, in the electron-store. */
function keychainStore(safeStorage: SafeStorageLike, store: SecretBackends['store'], name: string, fileStore: SecretStore): SecretStore {
  const slot = (secret: string): string => `${slotPrefix}${secret}`;
  return {
    async get(secret) {
      const stored = store.get(slot(secret));
      if (typeof stored !== 'string') return undefined;
      return safeStorage.decryptString(Buffer.from(stored, 'base64'));
    },
    async set(secret, value) {
      store.set(slot(secret), safeStorage.encryptString(value).toString('base64'));
    },
    async delete(secret) {
      store.delete(slot(secret));
    },
    problems: () => fileStore.problems?.() ?? [],
    storage: () => ({ kind: 'keychain', description: name }),
  };
}

/** Names of the secrets in the electron-store: it nests dotted keys (`secrets.profile.<id>.secretKey`), so walk to the leaves. */
function storedNames(store: SecretBackends['store']): string[] {
  const names: string[] = [];
  const walk = (value: unknown, prefix: string): void => {
    if (typeof value === 'string' && prefix !== '') names.push(prefix);
    else if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, prefix === '' ? key : `${prefix}.${key}`);
  };
  walk(store.get('secrets'), '');
  return names;
}

/**
 * Chooses where the desktop keeps secrets, moving existing ones along. With a real keychain ({@link keychainChoice}):
 * safeStorage, and secrets a previous fallback left in the file store are moved into it. Without one — in particular
 * Linux's `basic_text` — the 0600 file store of the headless mode, secrets readable from the electron-store are moved
 * into that file, and `problems()` carries a warning (shown with the app's errors) while `storage()` says which store is
 * used and why (shown in Settings). A secret that cannot be moved (a keychain ciphertext while the keychain is away)
 * is left where it is and named in the warning.
 */
export async function createDesktopSecretStore(backends: SecretBackends): Promise<SecretStore> {
  const { safeStorage, store, fileStore, platform } = backends;
  const now = backends.now ?? Date.now;
  const choice = keychainChoice(safeStorage, platform);
  if (choice.safe) {
    const keychain = keychainStore(safeStorage, store, choice.name, fileStore);
    for (const name of (await fileStore.names?.()) ?? []) {
      const value = await fileStore.get(name);
      if (value === undefined) continue;
      await keychain.set(name, value);
      await fileStore.delete(name);
    }
    return keychain;
  }

  const stranded: string[] = [];
  for (const name of storedNames(store)) {
    const stored = store.get(`${slotPrefix}${name}`);
    if (typeof stored !== 'string') continue;
    let value: string;
    try {
      value = safeStorage.decryptString(Buffer.from(stored, 'base64'));
    } catch {
      stranded.push(name);
      continue;
    }
    await fileStore.set(name, value);
    store.delete(`${slotPrefix}${name}`);
  }
  const file = fileStore.storage?.().description ?? 'a file in the app data folder';
  const warning = `Secrets are kept in ${file}, not encrypted by a keychain, because ${choice.reason}.`;
  const problem: StoreProblem = {
    code: 'KeychainUnavailable',
    message: `${warning}${stranded.length > 0 ? ` ${stranded.length} secret${stranded.length === 1 ? '' : 's'} stored in the keychain earlier cannot be read now and ${stranded.length === 1 ? 'was' : 'were'} left there: ${stranded.join(', ')}.` : ''}`,
    hint: 'Install and unlock a keyring (GNOME Keyring or KWallet) and restart COS Sync; the secrets then move into it.',
    retry: 'fatal',
    at: now(),
  };
  const storage: SecretStorageInfo = { kind: 'file', description: file, warning: `No safe system keychain: ${choice.reason}.` };
  return {
    get: (name) => fileStore.get(name),
    set: (name, value) => fileStore.set(name, value),
    delete: (name) => fileStore.delete(name),
    problems: () => [problem, ...(fileStore.problems?.() ?? [])],
    storage: () => storage,
  };
}

