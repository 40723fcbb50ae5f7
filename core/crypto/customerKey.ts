/** SSE-C: validates customer key headers, fingerprints keys without storing them, seals data keys under HKDF(customer key). */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CosSyncError } from '../common/errors.ts';
import type { RandomSource } from './encryptStream.ts';
import { DATA_KEY_SIZE, checkDataKey } from './packageFormat.ts';

/** Bytes of the salt generated per SSE-C object by {@link generateCustomerKeySalt}. */
export const CUSTOMER_KEY_SALT_SIZE = 32;

const PREFIX = 'c1';
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const PAYLOAD_SIZE = NONCE_SIZE + DATA_KEY_SIZE + TAG_SIZE;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;
const BASE64_16_BYTES = /^[A-Za-z0-9+/]{22}==$/;
const FINGERPRINT_DOMAIN = 'cos-sync/sse-c/fingerprint/v1\0';
const KEK_INFO = 'cos-sync/sse-c/kek/v1';
const SEAL_DOMAIN = Buffer.from('cos-sync/sse-c/sealed-data-key/v1\0', 'latin1');

function invalid(message: string): CosSyncError {
  return new CosSyncError('InvalidArgument', message, { retry: 'fatal', hint: 'Send x-cos-server-side-encryption-customer-algorithm: AES256 with a base64 256-bit key and the base64 MD5 of that key.' });
}

function unsealError(message: string, cause?: unknown): CosSyncError {
  return new CosSyncError('KeyUnsealError', message, { retry: 'fatal', hint: 'Use the same customer key that the object was written with.', cause });
}

function checkSalt(salt: Buffer): void {
  if (!Buffer.isBuffer(salt) || salt.length < 16) throw new CosSyncError('InvalidArgument', 'An SSE-C salt must be at least 16 bytes.');
}

function checkCustomerKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw invalid('The SSE-C key must be 256 bits (32 bytes).');
}

/**
 * Validates the three SSE-C request headers (`…-customer-algorithm`, `…-customer-key`,
 * `…-customer-key-MD5`) and returns the 32-byte key. Throws `InvalidArgument` when one is missing,
 * the algorithm is not `AES256`, the key is not canonical base64 of 32 bytes, or the MD5 differs.
 */
export function parseCustomerKey(algorithmHeader: string | undefined, keyBase64: string | undefined, md5Base64: string | undefined): Buffer {
  if (!algorithmHeader || !keyBase64 || !md5Base64) {
    throw invalid('SSE-C requests must carry the customer algorithm, the customer key and the customer key MD5 headers together.');
  }
  if (algorithmHeader !== 'AES256') throw invalid('The SSE-C customer algorithm must be AES256.');
  if (!BASE64_32_BYTES.test(keyBase64)) throw invalid('The SSE-C customer key must be 256 bits (32 bytes) encoded in base64.');
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32 || key.toString('base64') !== keyBase64) throw invalid('The SSE-C customer key must be 256 bits (32 bytes) encoded in base64.');
  if (!BASE64_16_BYTES.test(md5Base64)) throw invalid('The SSE-C customer key MD5 must be the base64 of a 16-byte MD5 digest.');
  const expected = createHash('md5').update(key).digest();
  if (!timingSafeEqual(expected, Buffer.from(md5Base64, 'base64'))) throw invalid('The calculated MD5 hash of the SSE-C customer key does not match the MD5 that was sent.');
  return key;
}

/** A fresh random salt for one SSE-C object (stored in plain metadata beside the fingerprint). */
export function generateCustomerKeySalt(random: RandomSource = randomBytes): Buffer {
  return random(CUSTOMER_KEY_SALT_SIZE);
}

/**
 * A salted fingerprint of a customer key to store and compare on later requests instead of the
 * key: base64(HMAC-SHA256(key = customer key, "cos-sync/sse-c/fingerprint/v1\0" ‖ salt)).
 */
export function customerKeyFingerprint(key: Buffer, salt: Buffer): string {
  checkCustomerKey(key);
  checkSalt(salt);
  return createHmac('sha256', key).update(FINGERPRINT_DOMAIN, 'latin1').update(salt).digest('base64');
}

/** True when `key` matches a stored {@link customerKeyFingerprint} (constant-time compare). */
export function customerKeyMatches(key: Buffer, salt: Buffer, fingerprint: string): boolean {
  const actual = Buffer.from(customerKeyFingerprint(key, salt), 'base64');
  const stored = Buffer.from(fingerprint, 'base64');
  return stored.length === actual.length && timingSafeEqual(actual, stored);
}

function customerKek(customerKey: Buffer, salt: Buffer): Buffer {
  checkCustomerKey(customerKey);
  checkSalt(salt);
  return Buffer.from(hkdfSync('sha256', customerKey, salt, KEK_INFO, 32));
}

function sealAad(context: string): Buffer {
  if (typeof context !== 'string' || context.length === 0) throw new CosSyncError('InvalidArgument', 'A sealing context must be a non-empty string.');
  return Buffer.concat([SEAL_DOMAIN, Buffer.from(context, 'utf8')]);
}

/**
 * Seals `dataKey` for an SSE-C object: AES-256-GCM under HKDF-SHA256(customer key, salt,
 * "cos-sync/sse-c/kek/v1"), random 12-byte nonce, AAD = domain ‖ context. Returns
 * `c1.<base64url(nonce ‖ ciphertext ‖ tag)>`.
 */
export function sealWithCustomerKey(customerKey: Buffer, salt: Buffer, dataKey: Buffer, context: string, random: RandomSource = randomBytes): string {
  checkDataKey(dataKey);
  const kek = customerKek(customerKey, salt);
  const aad = sealAad(context);
  const nonce = random(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) throw new CosSyncError('InvalidArgument', 'The random source returned the wrong number of bytes.');
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  const payload = Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  kek.fill(0);
  return `${PREFIX}.${payload.toString('base64url')}`;
}

/** Unseals a data key sealed by {@link sealWithCustomerKey}; throws `KeyUnsealError` for a wrong key, salt or context, or altered text. */
export function unsealWithCustomerKey(customerKey: Buffer, salt: Buffer, sealed: string, context: string): Buffer {
  const aad = sealAad(context);
  const [prefix, encoded, extra] = typeof sealed === 'string' ? sealed.split('.') : [];
  const payload = Buffer.from(encoded ?? '', 'base64url');
  if (prefix !== PREFIX || extra !== undefined || !encoded || payload.length !== PAYLOAD_SIZE || payload.toString('base64url') !== encoded) {
    throw unsealError('The SSE-C sealed data key is malformed.');
  }
  const kek = customerKek(customerKey, salt);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, payload.subarray(0, NONCE_SIZE), { authTagLength: TAG_SIZE });
    decipher.setAAD(aad);
    decipher.setAuthTag(payload.subarray(NONCE_SIZE + DATA_KEY_SIZE));
    const dataKey = decipher.update(payload.subarray(NONCE_SIZE, NONCE_SIZE + DATA_KEY_SIZE));
    decipher.final();
    return dataKey;
  } catch (error) {
    throw unsealError('The SSE-C data key could not be unsealed: the customer key or context does not match.', error);
  } finally {
    kek.fill(0);
  }
}
