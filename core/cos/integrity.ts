/** Write checks: the server must confirm the requested encryption and report the CRC-64 the client computed. */
import { CosSyncError } from '../common/errors.ts';
import { confirmedEncryption, describeEncryption, encryptionSatisfies, type ConfirmedEncryption, type SseRequest } from '../protocol/serverSideEncryption.ts';
import { sseNotConfirmed, type WriteTarget } from './encryptionRefusal.ts';
import type { ResponseHeaders } from './transport.ts';

/** A short label of requested encryption: `SSE-COS (AES256)`, `SSE-KMS (key id)`, `SSE-C`. */
export function describeRequested(requested: SseRequest): string {
  switch (requested.mode) {
    case 'none':
      return 'no encryption';
    case 'AES256':
      return 'SSE-COS (AES256)';
    case 'kms':
      return requested.keyId ? `SSE-KMS (${requested.keyId})` : 'SSE-KMS';
    case 'customer':
      return 'SSE-C';
  }
}

/**
 * Returns the encryption the response confirms, or throws CosSyncError `SseNotConfirmed` (retry class `fatal`,
 * naming bucket, region and what to do) when it does not satisfy `requested`: the object may now be stored
 * unencrypted, so the caller must not report success.
 */
export function requireEncryption(requested: SseRequest, headers: ResponseHeaders, target: WriteTarget): ConfirmedEncryption {
  return requireConfirmed(requested, confirmedEncryption(headers), target);
}

/** {@link requireEncryption} for an already-read confirmation. */
export function requireConfirmed(requested: SseRequest, confirmed: ConfirmedEncryption, target: WriteTarget): ConfirmedEncryption {
  if (encryptionSatisfies(requested, confirmed)) return confirmed;
  throw sseNotConfirmed(target, describeRequested(requested), describeEncryption(confirmed));
}

/** The `x-cos-hash-crc64ecma` of a response, or undefined when the server sent none. */
export function responseCrc64(headers: ResponseHeaders): string | undefined {
  const value = headers['x-cos-hash-crc64ecma']?.trim();
  return value ? value : undefined;
}

/**
 * Compares the server's CRC-64 with the one computed locally; throws CosSyncError `Crc64Mismatch` (retry class
 * `retry`) when they differ. Returns false when the server reported none (the object is then unverified).
 */
export function verifyCrc64(local: string, headers: ResponseHeaders, what: string): boolean {
  const remote = responseCrc64(headers);
  if (remote === undefined) return false;
  if (normalizeCrc(remote) !== normalizeCrc(local)) throw crc64Mismatch(what, local, remote);
  return true;
}

/** The CosSyncError for a CRC-64 difference. */
export function crc64Mismatch(what: string, local: string, remote: string): CosSyncError {
  return new CosSyncError('Crc64Mismatch', `The CRC-64 the server stored for ${what} (${remote}) differs from the data sent (${local}).`, {
    retry: 'retry',
    hint: 'The data was corrupted in transit or the file changed during the upload; it will be uploaded again.',
    details: { local, remote, what },
  });
}

function normalizeCrc(value: string): string {
  try {
    return BigInt(value).toString(10);
  } catch {
    return value;
  }
}
