/** Public surface of core/crypto: package stream format, keyring, data-key sealing and SSE-C helpers (spec: FORMAT.md). */
export {
  DATA_KEY_SIZE,
  FORMAT_VERSION,
  AAD_FINAL_OFFSET,
  AAD_SEQUENCE_OFFSET,
  HEADER_SIZE,
  NONCE_PREFIX_SIZE,
  NONCE_SEQUENCE_OFFSET,
  PackageNoncer,
  PACKAGE_SIZE,
  STORED_PACKAGE_SIZE,
  TAG_SIZE,
  encodeHeader,
  integrityError,
  packageCount,
  parseHeader,
  plainSizeOf,
  storedSize,
  storedSpanForRange,
} from './packageFormat.ts';
export type { StoredSpan } from './packageFormat.ts';
export { createEncryptStream, encryptBuffer } from './encryptStream.ts';
export type { EncryptOptions, RandomSource } from './encryptStream.ts';
export { createDecryptStream, createPackageOpener, decryptBuffer } from './decryptStream.ts';
export type { DecryptOptions, PackageOpener, PlainRange } from './decryptStream.ts';
export { MASTER_KEY_ID, generateDataKey, isValidKeyId, parseSealedKey, rewrapDataKey, sealDataKey, unsealDataKey } from './sealedKey.ts';
export type { MasterKey, MasterKeyLookup, SealedKey } from './sealedKey.ts';
export { DEFAULT_ROTATION_AGE_MS, KEYRING_FILE, Keyring } from './keyring.ts';
export type { KeyState, KeyVersionInfo, KeyringOptions } from './keyring.ts';
export {
  CUSTOMER_KEY_SALT_SIZE,
  customerKeyFingerprint,
  customerKeyMatches,
  generateCustomerKeySalt,
  parseCustomerKey,
  sealWithCustomerKey,
  unsealWithCustomerKey,
} from './customerKey.ts';
export { writeFileAtomic } from './atomicWrite.ts';
export { createSelfSignedCertificate, sha256Fingerprint, type SelfSignedCertificate, type SelfSignedOptions } from './selfSignedCertificate.ts';
export { certificateNames, checkTlsPair, loadOrCreateSelfSigned, readTrustedCertificates, type TlsIdentity } from './tlsIdentity.ts';
