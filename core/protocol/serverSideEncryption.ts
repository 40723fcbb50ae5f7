/** SSE header names and the mapping between requested and confirmed encryption (cos-api.md §4). */
import { createHash } from 'node:crypto';
import { headerValue, type HeaderMap } from './signableRequest.ts';

/** Request and response header names for server-side encryption. */
export const sseHeaders = {
  algorithm: 'x-cos-server-side-encryption',
  kmsKeyId: 'x-cos-server-side-encryption-cos-kms-key-id',
  kmsContext: 'x-cos-server-side-encryption-context',
  customerAlgorithm: 'x-cos-server-side-encryption-customer-algorithm',
  customerKey: 'x-cos-server-side-encryption-customer-key',
  customerKeyMd5: 'x-cos-server-side-encryption-customer-key-md5',
  copySourceCustomerAlgorithm: 'x-cos-copy-source-server-side-encryption-customer-algorithm',
  copySourceCustomerKey: 'x-cos-copy-source-server-side-encryption-customer-key',
  copySourceCustomerKeyMd5: 'x-cos-copy-source-server-side-encryption-customer-key-md5',
} as const;

/** The encryption a client asks for on a write. */
export type SseRequest =
  | { mode: 'none' }
  | { mode: 'AES256' }
  | { mode: 'kms'; keyId?: string; context?: string }
  | { mode: 'customer'; key: Buffer };

/** The encryption a server confirmed for a stored object (its response headers). */
export type ConfirmedEncryption =
  | { algorithm: 'AES256' }
  | { algorithm: 'cos/kms'; kmsKeyId?: string }
  | { algorithm: 'SSE-C'; keyMd5: string }
  | { algorithm: 'none' };

/** Base64 MD5 of raw key bytes, as SSE-C headers carry it. */
export function customerKeyMd5(key: Buffer): string {
  return createHash('md5').update(key).digest('base64');
}

/** Headers that request `sse` on a write (PUT, Initiate, POST form fields, Copy destination). */
export function sseRequestHeaders(sse: SseRequest): Record<string, string> {
  switch (sse.mode) {
    case 'none':
      return {};
    case 'AES256':
      return { [sseHeaders.algorithm]: 'AES256' };
    case 'kms':
      return {
        [sseHeaders.algorithm]: 'cos/kms',
        ...(sse.keyId ? { [sseHeaders.kmsKeyId]: sse.keyId } : {}),
        ...(sse.context ? { [sseHeaders.kmsContext]: sse.context } : {}),
      };
    case 'customer':
      return customerKeyHeaders(sse.key);
  }
}

/** The SSE-C triple, needed on every part, GET and HEAD of an SSE-C object. */
export function customerKeyHeaders(key: Buffer): Record<string, string> {
  return {
    [sseHeaders.customerAlgorithm]: 'AES256',
    [sseHeaders.customerKey]: key.toString('base64'),
    [sseHeaders.customerKeyMd5]: customerKeyMd5(key),
  };
}

/** The SSE-C triple naming the key of a copy SOURCE. */
export function copySourceCustomerKeyHeaders(key: Buffer): Record<string, string> {
  return {
    [sseHeaders.copySourceCustomerAlgorithm]: 'AES256',
    [sseHeaders.copySourceCustomerKey]: key.toString('base64'),
    [sseHeaders.copySourceCustomerKeyMd5]: customerKeyMd5(key),
  };
}

/** Reads the encryption a response confirms; `none` when it echoes nothing. */
export function confirmedEncryption(headers: HeaderMap): ConfirmedEncryption {
  const algorithm = headerValue(headers, sseHeaders.algorithm) ?? headerValue(headers, 'x-amz-server-side-encryption');
  if (algorithm === 'AES256') return { algorithm: 'AES256' };
  if (algorithm === 'cos/kms' || algorithm === 'aws:kms') {
    const kmsKeyId = headerValue(headers, sseHeaders.kmsKeyId) ?? headerValue(headers, 'x-amz-server-side-encryption-aws-kms-key-id');
    return kmsKeyId ? { algorithm: 'cos/kms', kmsKeyId } : { algorithm: 'cos/kms' };
  }
  const keyMd5 = headerValue(headers, sseHeaders.customerKeyMd5) ?? headerValue(headers, 'x-amz-server-side-encryption-customer-key-md5');
  if (headerValue(headers, sseHeaders.customerAlgorithm) === 'AES256' && keyMd5) return { algorithm: 'SSE-C', keyMd5 };
  return { algorithm: 'none' };
}

/** True when `confirmed` is the encryption `requested` asked for (mode and, where given, key identity). */
export function encryptionSatisfies(requested: SseRequest, confirmed: ConfirmedEncryption): boolean {
  switch (requested.mode) {
    case 'none':
      return true;
    case 'AES256':
      return confirmed.algorithm === 'AES256';
    case 'kms':
      return confirmed.algorithm === 'cos/kms' && (!requested.keyId || !confirmed.kmsKeyId || confirmed.kmsKeyId === requested.keyId);
    case 'customer':
      return confirmed.algorithm === 'SSE-C' && confirmed.keyMd5 === customerKeyMd5(requested.key);
  }
}

/** A short human label: "SSE-COS (AES256)", "SSE-KMS (key id)", "SSE-C", "not encrypted". */
export function describeEncryption(encryption: ConfirmedEncryption): string {
  switch (encryption.algorithm) {
    case 'AES256':
      return 'SSE-COS (AES256)';
    case 'cos/kms':
      return encryption.kmsKeyId ? `SSE-KMS (${encryption.kmsKeyId})` : 'SSE-KMS';
    case 'SSE-C':
      return 'SSE-C (customer key)';
    case 'none':
      return 'not encrypted';
  }
}
