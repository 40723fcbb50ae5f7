/** Seals per-object data keys under versioned master keys (AES-256-GCM, AAD binds key id, version and context). */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { CosSyncError } from '../common/errors.ts';
import type { RandomSource } from './encryptStream.ts';
import { DATA_KEY_SIZE, checkDataKey, invalidArgument } from './packageFormat.ts';

/** Key id of the keyring's own master key (SSE-COS / `AES256`); named KMS keys use their own ids. */
export const MASTER_KEY_ID = 'sse-cos';

/** One version of a master key (the keyring's or a named KMS key). */
export interface MasterKey {
  /** {@link MASTER_KEY_ID} or a KMS key id. */
  readonly id: string;
  /** 1, 2, … within `id`. */
  readonly version: number;
  /** 32 secret bytes. */
  readonly key: Buffer;
}

/** What unsealing needs from a keyring; {@link Keyring} implements it. */
export interface MasterKeyLookup {
  /** The given version of master key `keyId`, or undefined when the keyring no longer has it. */
  get(version: number, keyId?: string): MasterKey | undefined;
  /** The version that new seals use for `keyId`; throws when `keyId` is unknown. */
  active(keyId?: string): MasterKey;
}

/** A sealed data key: which master key version sealed it, and the compact text stored in the engine's metadata. */
export interface SealedKey {
  readonly keyId: string;
  readonly version: number;
  /** `v1.<keyId>.<version>.<base64url(nonce ‖ ciphertext ‖ tag)>`. */
  readonly text: string;
}

const PREFIX = 'v1';
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const PAYLOAD_SIZE = NONCE_SIZE + DATA_KEY_SIZE + TAG_SIZE;
const KEY_ID_PATTERN = /^[A-Za-z0-9_:/@+=-]{1,128}$/;
const DOMAIN = Buffer.from('cos-sync/sealed-data-key/v1\0', 'latin1');

/** True when `keyId` can name a master key: 1–128 of `A–Z a–z 0–9 _ : / @ + = -` (no dots). */
export function isValidKeyId(keyId: string): boolean {
  return typeof keyId === 'string' && KEY_ID_PATTERN.test(keyId);
}

/** A fresh random 32-byte data key. */
export function generateDataKey(random: RandomSource = randomBytes): Buffer {
  const key = random(DATA_KEY_SIZE);
  checkDataKey(key);
  return key;
}

function unsealError(message: string, details: Record<string, string | number | undefined> = {}, cause?: unknown): CosSyncError {
  return new CosSyncError('KeyUnsealError', message, {
    retry: 'fatal',
    hint: 'The object key metadata was altered, copied from another object, or its master key version was removed.',
    details,
    cause,
  });
}

function sealAad(keyId: string, version: number, context: string): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  const fixed = Buffer.alloc(2 + id.length + 4);
  fixed.writeUInt16BE(id.length, 0);
  id.copy(fixed, 2);
  fixed.writeUInt32BE(version, 2 + id.length);
  return Buffer.concat([DOMAIN, fixed, Buffer.from(context, 'utf8')]);
}

/**
 * The master key's bytes imported once: a cipher made from raw key bytes re-imports them every time (≈ 15 µs of
 * CPU, paid twice per small object); the entry goes with the keyring's buffer.
 */
const masterKeyObjects = new WeakMap<Buffer, KeyObject>();

function masterKeyObject(key: Buffer): KeyObject {
  let keyObject = masterKeyObjects.get(key);
  if (!keyObject) {
    keyObject = createSecretKey(key);
    masterKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

function checkContext(context: string): void {
  if (typeof context !== 'string' || context.length === 0) throw invalidArgument('A sealing context must be a non-empty string.');
}

/** Seals `dataKey` under `masterKey` for `context` (the engine passes bucket + key + part/upload identity). */
export function sealDataKey(masterKey: MasterKey, dataKey: Buffer, context: string, random: RandomSource = randomBytes): SealedKey {
  checkDataKey(dataKey);
  checkContext(context);
  if (!isValidKeyId(masterKey.id)) throw invalidArgument('The master key id is not valid.', { keyId: String(masterKey.id) });
  if (!Number.isInteger(masterKey.version) || masterKey.version < 1 || masterKey.version > 0xffffffff) throw invalidArgument('The master key version is not valid.');
  if (!Buffer.isBuffer(masterKey.key) || masterKey.key.length !== 32) throw invalidArgument('A master key must be 32 bytes.');
  const nonce = random(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) throw invalidArgument('The random source returned the wrong number of bytes.');
  const cipher = createCipheriv('aes-256-gcm', masterKeyObject(masterKey.key), nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(sealAad(masterKey.id, masterKey.version, context));
  const payload = Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  return { keyId: masterKey.id, version: masterKey.version, text: `${PREFIX}.${masterKey.id}.${masterKey.version}.${payload.toString('base64url')}` };
}

/** Parses sealed-key text without unsealing it (the engine counts objects per master key version); throws `KeyUnsealError` when malformed. */
export function parseSealedKey(text: string): SealedKey {
  const parts = typeof text === 'string' ? text.split('.') : [];
  const [prefix, keyId, versionText, payload] = parts;
  if (parts.length !== 4 || prefix !== PREFIX || !keyId || !isValidKeyId(keyId) || !versionText || !/^[1-9][0-9]{0,9}$/.test(versionText) || !payload) {
    throw unsealError('The sealed data key is malformed.');
  }
  const version = Number(versionText);
  if (version > 0xffffffff) throw unsealError('The sealed data key is malformed.');
  return { keyId, version, text };
}

function payloadOf(text: string): Buffer {
  const encoded = text.slice(text.lastIndexOf('.') + 1);
  const payload = Buffer.from(encoded, 'base64url');
  if (payload.length !== PAYLOAD_SIZE || payload.toString('base64url') !== encoded) throw unsealError('The sealed data key is malformed.');
  return payload;
}

/**
 * Unseals a data key sealed by {@link sealDataKey} for the same `context`. Throws `KeyUnsealError`
 * when the text is malformed, the master key version is not in `keyring`, or the tag fails (wrong
 * key, wrong context, altered bytes).
 */
export function unsealDataKey(keyring: MasterKeyLookup, sealed: SealedKey | string, context: string): Buffer {
  checkContext(context);
  const parsed = parseSealedKey(typeof sealed === 'string' ? sealed : sealed.text);
  const payload = payloadOf(parsed.text);
  const masterKey = keyring.get(parsed.version, parsed.keyId);
  if (!masterKey) throw unsealError('The master key version that sealed this data key is not in the keyring.', { keyId: parsed.keyId, version: parsed.version });
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKeyObject(masterKey.key), payload.subarray(0, NONCE_SIZE), { authTagLength: TAG_SIZE });
    decipher.setAAD(sealAad(parsed.keyId, parsed.version, context));
    decipher.setAuthTag(payload.subarray(NONCE_SIZE + DATA_KEY_SIZE));
    const dataKey = decipher.update(payload.subarray(NONCE_SIZE, NONCE_SIZE + DATA_KEY_SIZE));
    decipher.final();
    return dataKey;
  } catch (error) {
    throw unsealError('The data key could not be unsealed: wrong master key, wrong context or altered metadata.', { keyId: parsed.keyId, version: parsed.version }, error);
  }
}

/**
 * Re-seals a data key under the active version of the same key id, touching no object data.
 * Returns `sealed` unchanged (after verifying it unseals) when it already uses the active version,
 * so a rewrap sweep can be re-run safely.
 */
export function rewrapDataKey(keyring: MasterKeyLookup, sealed: SealedKey | string, context: string, random: RandomSource = randomBytes): SealedKey {
  const parsed = parseSealedKey(typeof sealed === 'string' ? sealed : sealed.text);
  const dataKey = unsealDataKey(keyring, parsed, context);
  try {
    const active = keyring.active(parsed.keyId);
    return active.version === parsed.version ? parsed : sealDataKey(active, dataKey, context, random);
  } finally {
    dataKey.fill(0);
  }
}
