/** The desktop secret store refuses Electron's basic_text backend and falls back, visibly, to the 0600 file store (issue 15, item 4). */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFileSecretStore } from '../../core/app/fileSecretStore.ts';
import { createAppService } from '../../core/app/service.ts';
import type { SettingsStore, StoredSettings } from '../../core/app/settings.ts';
import { createDesktopSecretStore, keychainChoice, type SafeStorageLike } from '../../electron/main/secretStore.ts';

/** A stand-in for Electron's safeStorage: "encrypts" with a visible prefix so tests can tell ciphertext from plaintext. */
function fakeSafeStorage(backend: string, available = true): SafeStorageLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(text) {
      calls.push('encrypt');
      return Buffer.from(`${backend}:${Buffer.from(text).toString('hex')}`);
    },
    decryptString(data) {
      const [prefix, hex] = data.toString().split(':');
      if (prefix !== backend) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(hex!, 'hex').toString();
    },
  };
}

/** The electron-store stand-in: like electron-store, a dotted key is a path into nested objects. */
function fakeStore(initial: Record<string, string> = {}) {
  const data: Record<string, unknown> = {};
  const parentOf = (key: string, create: boolean): [Record<string, unknown> | undefined, string] => {
    const parts = key.split('.');
    let node: Record<string, unknown> | undefined = data;
    for (const part of parts.slice(0, -1)) {
      if (create && (typeof node![part] !== 'object' || node![part] === null)) node![part] = {};
      node = node?.[part] as Record<string, unknown> | undefined;
      if (node === undefined) break;
    }
    return [node, parts.at(-1)!];
  };
  const store = {
    get: (key: string): unknown => {
      const [parent, leaf] = parentOf(key, false);
      return parent?.[leaf];
    },
    set: (key: string, value: unknown): void => {
      const [parent, leaf] = parentOf(key, true);
      parent![leaf] = value;
    },
    delete: (key: string): void => {
      const [parent, leaf] = parentOf(key, false);
      if (parent) delete parent[leaf];
    },
    /** Every stored secret as `name → stored value`. */
    leaves(): Record<string, unknown> {
      const found: Record<string, unknown> = {};
      const walk = (value: unknown, prefix: string): void => {
        if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, prefix ? `${prefix}.${key}` : key);
        else found[prefix] = value;
      };
      walk(data.secrets, '');
      return found;
    },
  };
  for (const [name, value] of Object.entries(initial)) store.set(`secrets.${name}`, value);
  return store;
}

const cipher = (backend: string, text: string): string => Buffer.from(`${backend}:${Buffer.from(text).toString('hex')}`).toString('base64');

describe('desktop secret store', () => {
  let root: string;
  let counter = 0;
  const dir = (): string => path.join(root, `case-${(counter += 1)}`);
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-secret-store-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('chooses the keychain only when it really protects the secrets', () => {
    assert.deepEqual(keychainChoice(fakeSafeStorage('gnome_libsecret'), 'linux'), { safe: true, name: 'GNOME Keyring (libsecret)' });
    assert.deepEqual(keychainChoice(fakeSafeStorage('kwallet6'), 'linux'), { safe: true, name: 'KWallet 6' });
    assert.equal(keychainChoice(fakeSafeStorage('basic_text'), 'linux').safe, false);
    assert.equal(keychainChoice(fakeSafeStorage('unknown'), 'linux').safe, false);
    assert.equal(keychainChoice(fakeSafeStorage('gnome_libsecret', false), 'linux').safe, false);
    assert.deepEqual(keychainChoice(fakeSafeStorage('n/a'), 'darwin'), { safe: true, name: 'macOS Keychain' });
    assert.equal(keychainChoice(fakeSafeStorage('n/a', false), 'win32').safe, false);
  });

  it('Linux with basic_text: secrets go to the 0600 file, never through safeStorage, with a warning and the store named', async () => {
    const data = dir();
    const safeStorage = fakeSafeStorage('basic_text');
    const store = fakeStore({ 'profile.old.secretKey': cipher('basic_text', 'old-key'), 'profile.kept.secretKey': cipher('gnome_libsecret', 'keyring-key') });
    const secrets = await createDesktopSecretStore({ safeStorage, store, fileStore: createFileSecretStore(data), platform: 'linux', now: () => 1 });
    await secrets.set('profile.new.secretKey', 'new-key');
    assert.equal(await secrets.get('profile.new.secretKey'), 'new-key');
    assert.equal(await secrets.get('profile.old.secretKey'), 'old-key', 'a basic_text secret is moved into the file');
    assert.ok(!safeStorage.calls.includes('encrypt'), 'basic_text is never used to store anything');
    const file = path.join(data, 'secrets.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { 'profile.old.secretKey': 'old-key', 'profile.new.secretKey': 'new-key' });
    assert.deepEqual(Object.keys(store.leaves()), ['profile.kept.secretKey'], 'a keyring secret that cannot be read now stays where it is');
    const storage = secrets.storage!();
    assert.equal(storage.kind, 'file');
    assert.equal(storage.description, `${file} (readable by you only)`);
    assert.match(storage.warning ?? '', /basic_text/);
    const problems = secrets.problems!();
    assert.equal(problems[0]?.code, 'KeychainUnavailable');
    assert.match(problems[0]!.message, /basic_text.*profile\.kept\.secretKey/s);
    assert.ok(problems[0]!.hint);
  });

  it('Linux with a keyring: secrets are encrypted by safeStorage, and a fallback file left earlier is emptied into the keychain', async () => {
    const data = dir();
    const fileStore = createFileSecretStore(data);
    await fileStore.set('profile.a.secretKey', 'from-the-fallback');
    const safeStorage = fakeSafeStorage('gnome_libsecret');
    const store = fakeStore();
    const secrets = await createDesktopSecretStore({ safeStorage, store, fileStore, platform: 'linux' });
    assert.equal(await secrets.get('profile.a.secretKey'), 'from-the-fallback');
    assert.deepEqual(JSON.parse(await readFile(path.join(data, 'secrets.json'), 'utf8')), {}, 'no plaintext copy is left behind');
    await secrets.set('profile.b.secretKey', 'b-key');
    assert.deepEqual(Object.keys(store.leaves()), ['profile.a.secretKey', 'profile.b.secretKey']);
    assert.doesNotMatch(JSON.stringify(store.leaves()), /b-key|from-the-fallback/, 'only ciphertext reaches the electron-store');
    assert.deepEqual(secrets.storage!(), { kind: 'keychain', description: 'GNOME Keyring (libsecret)' });
    assert.deepEqual(secrets.problems!(), []);
  });

  it('the service shows the fallback: Settings names the store, the status lists the warning', async () => {
    const data = dir();
    let value: Partial<StoredSettings> = {};
    const settings: SettingsStore = { read: () => structuredClone(value), write: (next) => void (value = structuredClone(next)) };
    const secrets = await createDesktopSecretStore({ safeStorage: fakeSafeStorage('basic_text'), store: fakeStore(), fileStore: createFileSecretStore(data), platform: 'linux' });
    const service = await createAppService({ dataDir: data, mode: 'desktop', settings, secrets });
    try {
      const shown = await service.getSettings();
      assert.equal(shown.secretStorage?.kind, 'file');
      assert.match(shown.secretStorage?.warning ?? '', /basic_text/);
      const errors = (await service.getSnapshot()).errors;
      assert.ok(errors.some((error) => error.code === 'KeychainUnavailable' && error.folderId === null), JSON.stringify(errors));
    } finally {
      await service.close();
    }
  });
});
