/** The keyring: versioned master keys (SSE-COS and named KMS keys) in one 0600 JSON file, rotated by age. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { CosSyncError } from '../common/errors.ts';
import { writeFileAtomic } from './atomicWrite.ts';
import type { RandomSource } from './encryptStream.ts';
import { invalidArgument } from './packageFormat.ts';
import { MASTER_KEY_ID, isValidKeyId } from './sealedKey.ts';
import type { MasterKey, MasterKeyLookup } from './sealedKey.ts';

/** File name of the keyring inside its directory. */
export const KEYRING_FILE = 'keyring.json';
/** Default age after which {@link Keyring.rotateIfOlderThan} rotates: 90 days. */
export const DEFAULT_ROTATION_AGE_MS = 90 * 24 * 60 * 60 * 1000;

/** `active` seals new data keys (exactly one per key id); `retired` only unseals until rewrapped and removed. */
export type KeyState = 'active' | 'retired';

/** A key version without its secret, for status displays. */
export interface KeyVersionInfo {
  keyId: string;
  version: number;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  state: KeyState;
}

/** Options for {@link Keyring.open}. */
export interface KeyringOptions {
  clock?: Clock;
  random?: RandomSource;
}

interface StoredVersion {
  version: number;
  createdAt: string;
  key: string;
  state: KeyState;
}

interface StoredKeyring {
  format: 1;
  master: StoredVersion[];
  kms: Record<string, StoredVersion[]>;
}

interface Version {
  version: number;
  createdAt: number;
  key: Buffer;
  state: KeyState;
}

function keyringError(code: string, message: string, details: Record<string, string | number> = {}, hint?: string): CosSyncError {
  return new CosSyncError(code, message, { retry: 'fatal', details, hint });
}

function parseVersions(keyId: string, raw: unknown): Version[] {
  const corrupt = (why: string) => keyringError('KeyringCorrupt', `The keyring entry for ${keyId} is invalid: ${why}.`, { keyId }, 'Restore keyring.json from a backup.');
  if (!Array.isArray(raw) || raw.length === 0) throw corrupt('no versions');
  const seen = new Set<number>();
  const versions = raw.map((entry: Partial<StoredVersion>): Version => {
    if (!Number.isInteger(entry.version) || entry.version! < 1 || seen.has(entry.version!)) throw corrupt('bad or duplicate version');
    seen.add(entry.version!);
    const key = Buffer.from(String(entry.key), 'base64');
    if (key.length !== 32) throw corrupt(`version ${entry.version} key is not 32 bytes`);
    const createdAt = Date.parse(String(entry.createdAt));
    if (!Number.isFinite(createdAt)) throw corrupt(`version ${entry.version} has no creation time`);
    if (entry.state !== 'active' && entry.state !== 'retired') throw corrupt(`version ${entry.version} has an unknown state`);
    return { version: entry.version!, createdAt, key, state: entry.state };
  });
  if (versions.filter((v) => v.state === 'active').length !== 1) throw corrupt('there must be exactly one active version');
  return versions.sort((a, b) => a.version - b.version);
}

function serialize(keys: Map<string, Version[]>): string {
  const store = (versions: Version[]): StoredVersion[] =>
    versions.map((v) => ({ version: v.version, createdAt: new Date(v.createdAt).toISOString(), key: v.key.toString('base64'), state: v.state }));
  const stored: StoredKeyring = { format: 1, master: store(keys.get(MASTER_KEY_ID)!), kms: {} };
  for (const [keyId, versions] of keys) if (keyId !== MASTER_KEY_ID) stored.kms[keyId] = store(versions);
  return JSON.stringify(stored, null, 2) + '\n';
}

/**
 * Master keys kept in `<dir>/keyring.json` (dir 0700, file 0600, every change written atomically).
 * The SSE-COS master key has id {@link MASTER_KEY_ID}; named KMS keys have their own ids. Each
 * key id has versions 1..n with exactly one `active`. One process owns a keyring directory;
 * changes within that process are serialized.
 */
export class Keyring implements MasterKeyLookup {
  readonly dir: string;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  #keys: Map<string, Version[]>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, keys: Map<string, Version[]>, options: KeyringOptions) {
    this.dir = dir;
    this.#keys = keys;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? randomBytes;
  }

  /**
   * Opens (creating when missing) the keyring in `dir`: tightens the directory to 0700 and the file
   * to 0600, removes temp files left by a crash, and creates version 1 of the master key for a new
   * keyring. Throws `KeyringCorrupt` for a file it cannot trust.
   */
  static async open(dir: string, options: KeyringOptions = {}): Promise<Keyring> {
    const root = path.resolve(dir);
    await mkdir(root, { recursive: true, mode: 0o700 });
    await chmod(root, 0o700);
    for (const name of await readdir(root)) {
      if (name.startsWith(`.${KEYRING_FILE}.`) && name.endsWith('.tmp')) await unlink(path.join(root, name)).catch(() => {});
    }
    const file = path.join(root, KEYRING_FILE);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      const keyring = new Keyring(root, new Map(), options);
      keyring.#keys.set(MASTER_KEY_ID, [keyring.#newVersion(1)]);
      await writeFileAtomic(file, serialize(keyring.#keys));
      return keyring;
    }
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    let raw: Partial<StoredKeyring>;
    try {
      raw = JSON.parse(text) as Partial<StoredKeyring>;
    } catch (error) {
      throw new CosSyncError('KeyringCorrupt', 'The keyring file is not valid JSON.', { hint: 'Restore keyring.json from a backup.', cause: error });
    }
    if (raw.format !== 1) throw keyringError('KeyringCorrupt', 'The keyring file has an unknown format.', {}, 'Restore keyring.json from a backup.');
    const keys = new Map<string, Version[]>([[MASTER_KEY_ID, parseVersions(MASTER_KEY_ID, raw.master)]]);
    for (const [keyId, versions] of Object.entries(raw.kms ?? {})) {
      if (!isValidKeyId(keyId) || keyId === MASTER_KEY_ID) throw keyringError('KeyringCorrupt', 'The keyring file names an invalid KMS key id.', {}, 'Restore keyring.json from a backup.');
      keys.set(keyId, parseVersions(keyId, versions));
    }
    return new Keyring(root, keys, options);
  }

  #newVersion(version: number): Version {
    const key = this.#random(32);
    if (!Buffer.isBuffer(key) || key.length !== 32) throw invalidArgument('The random source returned the wrong number of bytes.');
    return { version, createdAt: this.#clock.now(), key: Buffer.from(key), state: 'active' };
  }

  #versionsOf(keyId: string): Version[] {
    const versions = this.#keys.get(keyId);
    if (!versions) throw keyringError('KeyNotFound', `The key ${keyId} is not in the keyring.`, { keyId });
    return versions;
  }

  /** Runs `task` after every earlier change has finished, so changes never interleave. */
  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Applies `change` to a copy of the keys, writes it atomically, then adopts it (call inside `#serialize`). */
  async #write<T>(change: (keys: Map<string, Version[]>) => T): Promise<T> {
    const next = new Map([...this.#keys].map(([id, versions]) => [id, versions.map((v) => ({ ...v }))]));
    const result = change(next);
    await writeFileAtomic(path.join(this.dir, KEYRING_FILE), serialize(next));
    this.#keys = next;
    return result;
  }

  #update<T>(change: (keys: Map<string, Version[]>) => T): Promise<T> {
    return this.#serialize(() => this.#write(change));
  }

  #rotateIn(keys: Map<string, Version[]>, keyId: string): MasterKey {
    const versions = keys.get(keyId);
    if (!versions) throw keyringError('KeyNotFound', `The key ${keyId} is not in the keyring.`, { keyId });
    for (const v of versions) v.state = 'retired';
    const next = this.#newVersion(Math.max(...versions.map((v) => v.version)) + 1);
    versions.push(next);
    return { id: keyId, version: next.version, key: next.key };
  }

  /** The version new data keys are sealed with for `keyId` (default the SSE-COS master key); throws `KeyNotFound`. */
  active(keyId: string = MASTER_KEY_ID): MasterKey {
    const version = this.#versionsOf(keyId).find((v) => v.state === 'active')!;
    return { id: keyId, version: version.version, key: version.key };
  }

  /** Version `version` of `keyId`, or undefined when it does not exist (never created, or removed). */
  get(version: number, keyId: string = MASTER_KEY_ID): MasterKey | undefined {
    const found = this.#keys.get(keyId)?.find((v) => v.version === version);
    return found && { id: keyId, version: found.version, key: found.key };
  }

  /** Every version of `keyId`, oldest first, without key material. */
  versions(keyId: string = MASTER_KEY_ID): KeyVersionInfo[] {
    return this.#versionsOf(keyId).map((v) => ({ keyId, version: v.version, createdAt: v.createdAt, state: v.state }));
  }

  /** The SSE-COS master key id followed by every named KMS key id. */
  keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Adds a new random version of `keyId`, makes it active and retires the previous one; returns the new active key. */
  rotate(keyId: string = MASTER_KEY_ID): Promise<MasterKey> {
    return this.#update((keys) => this.#rotateIn(keys, keyId));
  }

  /** Rotates `keyId` when its active version is at least `maxAgeMs` old by the injected clock; returns the new key, or undefined when not due. */
  rotateIfOlderThan(maxAgeMs: number = DEFAULT_ROTATION_AGE_MS, keyId: string = MASTER_KEY_ID): Promise<MasterKey | undefined> {
    if (!(maxAgeMs >= 0)) return Promise.reject(invalidArgument('The rotation age must be a non-negative number of milliseconds.'));
    return this.#serialize(async () => {
      const active = this.#versionsOf(keyId).find((v) => v.state === 'active')!;
      if (this.#clock.now() - active.createdAt < maxAgeMs) return undefined;
      return this.#write((keys) => this.#rotateIn(keys, keyId));
    });
  }

  /**
   * Deletes version `version` of `keyId` for good. Refuses the active version (`KeyInUse`) and
   * unknown versions (`KeyNotFound`). The caller must first make sure no sealed key refers to it.
   */
  remove(version: number, keyId: string = MASTER_KEY_ID): Promise<void> {
    return this.#update((keys) => {
      const versions = keys.get(keyId);
      const index = versions?.findIndex((v) => v.version === version) ?? -1;
      if (!versions || index < 0) throw keyringError('KeyNotFound', `Version ${version} of ${keyId} is not in the keyring.`, { keyId, version });
      if (versions[index]!.state === 'active') {
        throw keyringError('KeyInUse', `Version ${version} of ${keyId} is the active key and cannot be removed.`, { keyId, version }, 'Rotate first, rewrap objects, then remove the old version.');
      }
      versions.splice(index, 1);
    });
  }

  /** The active version of named KMS key `keyId`; with `create`, makes version 1 when the key does not exist yet. Throws `KeyNotFound` otherwise. */
  async kmsKey(keyId: string, create = false): Promise<MasterKey> {
    if (!isValidKeyId(keyId) || keyId === MASTER_KEY_ID) throw invalidArgument('The KMS key id is not valid.', { keyId: String(keyId) });
    if (this.#keys.has(keyId)) return this.active(keyId);
    if (!create) throw keyringError('KeyNotFound', `The KMS key ${keyId} is not in the keyring.`, { keyId });
    return this.#update((keys) => {
      if (!keys.has(keyId)) keys.set(keyId, [this.#newVersion(1)]);
      const active = keys.get(keyId)!.find((v) => v.state === 'active')!;
      return { id: keyId, version: active.version, key: active.key };
    });
  }
}
