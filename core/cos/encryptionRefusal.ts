/** Encrypted writes the server would not take: classified once (transport and write checks), named with bucket, region and a fix. */
import { CosSyncError } from '../common/errors.ts';
import { CosError } from '../protocol/cosError.ts';
import { headerValue, type HeaderMap } from '../protocol/signableRequest.ts';
import { sseHeaders } from '../protocol/serverSideEncryption.ts';

/** Where a write went, for messages: the COS operation, bucket, region and object key. */
export interface WriteTarget {
  operation: string;
  bucket: string;
  region: string;
  key: string;
}

/**
 * The codes of {@link isEncryptionRefusal}: `SseRefused` (the server answered an encrypted write with an error — a
 * bucket policy, missing permission, or no SSE in that region or endpoint) and `SseNotConfirmed` (it answered 2xx
 * without confirming the encryption).
 */
export const ENCRYPTION_REFUSAL_CODES: readonly string[] = ['SseRefused', 'SseNotConfirmed'];

/**
 * True when `error` means "this object could not be stored encrypted": stop that object and report it. Callers
 * (upload, sync, encrypt) must never retry it without the SSE header; `retry` is `fatal`, so backoff loops wait
 * for the user instead of hammering the server.
 */
export function isEncryptionRefusal(error: unknown): error is CosSyncError {
  return error instanceof CosSyncError && ENCRYPTION_REFUSAL_CODES.includes(error.code);
}

/** The encryption a request asks for, read from its headers (`SSE-COS (AES256)`, `SSE-KMS`, `SSE-C`); undefined when none. */
export function requestedEncryption(headers: HeaderMap): string | undefined {
  const algorithm = headerValue(headers, sseHeaders.algorithm);
  if (algorithm === 'AES256') return 'SSE-COS (AES256)';
  if (algorithm === 'cos/kms') return 'SSE-KMS';
  if (algorithm !== undefined) return algorithm;
  return headerValue(headers, sseHeaders.customerAlgorithm) === undefined ? undefined : 'SSE-C';
}

const NEVER_PLAIN = 'COS Sync never retries a write without its encryption header.';
const ENCRYPTION_WORDS = /encrypt|sse|kms|server-side/i;

/**
 * Converts the error answer to a write that carried SSE headers (`requested`, from {@link requestedEncryption}) into
 * CosSyncError `SseRefused` (retry `fatal`): a 403 `AccessDenied` (a bucket policy such as "deny unencrypted or
 * differently encrypted writes", or a key pair without write permission), or a 400/501 whose code or message is
 * about encryption (a region or server without SSE). Other errors return undefined and keep their own meaning.
 */
export function sseRefusal(error: CosError, target: WriteTarget, requested: string): CosSyncError | undefined {
  const where = `bucket ${target.bucket} (${target.region})`;
  const answer = `HTTP ${error.status} ${error.code}${error.requestId ? `, request ${error.requestId}` : ''}`;
  const details = { operation: target.operation, bucket: target.bucket, region: target.region, key: target.key, requested, status: error.status, serverCode: error.code, requestId: error.requestId };
  if (error.status === 403 && error.code === 'AccessDenied' && !/request has expired/i.test(error.serverMessage ?? '')) {
    return new CosSyncError('SseRefused', `The ${where} refused the ${requested} write of '${target.key}' (${answer}); nothing was stored.`, {
      retry: 'fatal',
      hint: `A bucket policy on ${target.bucket} may refuse this write (for example one that requires another encryption), or the key pair may not write there: check the bucket policy and the key's permissions in ${target.region}. ${NEVER_PLAIN}`,
      cause: error,
      details,
    });
  }
  const aboutEncryption = error.code === 'NotImplemented' || /encrypt|kms/i.test(error.code) || ENCRYPTION_WORDS.test(error.serverMessage ?? '');
  if ((error.status === 400 || error.status === 501) && aboutEncryption) {
    return new CosSyncError('SseRefused', `The ${where} rejected the ${requested} header of ${target.operation} for '${target.key}': ${(error.serverMessage ?? error.code).replace(/\.\s*$/, '')} (${answer}); nothing was stored.`, {
      retry: 'fatal',
      hint: `This region or endpoint may not offer ${requested}: use a bucket in a region with server-side encryption, or choose another encryption mode for this account. ${NEVER_PLAIN}`,
      cause: error,
      details,
    });
  }
  return undefined;
}

/**
 * CosSyncError `SseNotConfirmed` (retry `fatal`): the server answered the write with success but did not confirm
 * `requested` (it said `confirmed`), so the object may be stored without it and must not be reported as stored.
 */
export function sseNotConfirmed(target: WriteTarget, requested: string, confirmed: string): CosSyncError {
  return new CosSyncError('SseNotConfirmed', `The bucket ${target.bucket} (${target.region}) did not confirm ${requested} for '${target.key}' (${target.operation} answered: ${confirmed}).`, {
    retry: 'fatal',
    hint: `The bucket or endpoint did not encrypt the object as asked, so it may be stored without encryption: check that ${target.bucket} is on COS in a region with server-side encryption (${target.region}) or on the bundled engine, and that no proxy strips the x-cos-server-side-encryption response headers; then upload it again. ${NEVER_PLAIN}`,
    details: { operation: target.operation, bucket: target.bucket, region: target.region, key: target.key, requested, confirmed },
  });
}
