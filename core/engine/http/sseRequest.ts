/** SSE on the wire: parse request headers (x-cos-* and x-amz-*), resolve the encryption of a write, check reads, echo headers. */
import type { IncomingHttpHeaders } from 'node:http';
import { customerKeyFingerprint, customerKeyMatches, generateCustomerKeySalt, isValidKeyId, parseCustomerKey } from '../../crypto/index.ts';
import { CosSyncError } from '../../common/errors.ts';
import { cosError } from '../../protocol/cosError.ts';
import { customerKeyMd5 } from '../../protocol/serverSideEncryption.ts';
import type { SseRecord } from '../storage/engineIndex.ts';

/** KMS key id used when a `cos/kms` request names none (the "COS-created default CMK"). */
export const DEFAULT_KMS_KEY_ID = 'cos-default-kms-key';

/** First non-empty value among header names (lowercase). */
export function firstHeader(headers: IncomingHttpHeaders, ...names: string[]): string | undefined {
  for (const name of names) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** The encryption a write asks for. */
export type RequestedSse =
  | { mode: 'none' }
  | { mode: 'AES256' }
  | { mode: 'cos/kms'; keyId: string | undefined; context: string | undefined }
  | { mode: 'SSE-C'; key: Buffer };

type Prefix = 'x-cos-server-side-encryption-customer-' | 'x-cos-copy-source-server-side-encryption-customer-';

/** Reads an SSE-C triple (COS or S3 names); undefined when none of the three is present. Throws InvalidArgument when malformed. */
export function readCustomerKey(headers: IncomingHttpHeaders, prefix: Prefix = 'x-cos-server-side-encryption-customer-'): Buffer | undefined {
  const amz = prefix.replace('x-cos-', 'x-amz-');
  const algorithm = firstHeader(headers, `${prefix}algorithm`, `${amz}algorithm`);
  const key = firstHeader(headers, `${prefix}key`, `${amz}key`);
  const md5 = firstHeader(headers, `${prefix}key-md5`, `${amz}key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  try {
    return parseCustomerKey(algorithm, key, md5);
  } catch (error) {
    throw cosError('InvalidArgument', error instanceof CosSyncError ? error.message : 'The SSE-C headers are not valid.');
  }
}

/** Parses the SSE request headers of a write (PUT, POST form fields, Initiate, Copy destination). */
export function parseWriteSse(headers: IncomingHttpHeaders): RequestedSse {
  const algorithm = firstHeader(headers, 'x-cos-server-side-encryption', 'x-amz-server-side-encryption');
  const customerKey = readCustomerKey(headers);
  if (algorithm !== undefined && customerKey !== undefined) throw cosError('InvalidArgument', 'Server-side encryption and SSE-C headers cannot be combined.');
  if (customerKey !== undefined) return { mode: 'SSE-C', key: customerKey };
  if (algorithm === undefined) {
    // A present but blank header is a malformed request, not a request for no encryption.
    const raw = headers['x-cos-server-side-encryption'] ?? headers['x-amz-server-side-encryption'];
    if (raw !== undefined) throw cosError('InvalidArgument', 'The server-side encryption header is empty; use AES256 or cos/kms.');
    return { mode: 'none' };
  }
  if (algorithm === 'AES256') return { mode: 'AES256' };
  if (algorithm === 'cos/kms' || algorithm === 'aws:kms') {
    const keyId = firstHeader(headers, 'x-cos-server-side-encryption-cos-kms-key-id', 'x-amz-server-side-encryption-aws-kms-key-id');
    if (keyId !== undefined && !isValidKeyId(keyId)) throw cosError('InvalidArgument', 'The KMS key id is not valid.');
    const context = firstHeader(headers, 'x-cos-server-side-encryption-context', 'x-amz-server-side-encryption-context');
    if (context !== undefined) checkKmsContext(context);
    return { mode: 'cos/kms', keyId, context };
  }
  throw cosError('InvalidArgument', `The server-side encryption algorithm '${algorithm}' is not supported; use AES256 or cos/kms.`);
}

function checkKmsContext(context: string): void {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(context)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(context, 'base64').toString('utf8'));
  } catch {
    throw cosError('InvalidArgument', 'The SSE-KMS context must be base64 of a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw cosError('InvalidArgument', 'The SSE-KMS context must be base64 of a JSON object.');
}

/** The bucket default encryption as stored in the index. */
export interface BucketDefault {
  algorithm: 'AES256' | 'cos/kms';
  kmsKeyId?: string;
}

/** Parses a bucket's stored default encryption JSON. */
export function bucketDefault(stored: string | null): BucketDefault | undefined {
  return stored ? (JSON.parse(stored) as BucketDefault) : undefined;
}

/** A write's resolved encryption: the record to store, plus the SSE-C key for this request only. */
export interface WriteSse {
  record: SseRecord;
  customerKey?: Buffer;
}

const plainRecord: SseRecord = { sse: 'none', kmsKeyId: null, kmsContext: null, customerMd5: null, customerSalt: null, customerFingerprint: null };

/** Request headers first, then the bucket default, else plain. SSE-C gets a fresh salt and fingerprint (never the key). */
export function resolveWriteSse(requested: RequestedSse, fallback: BucketDefault | undefined): WriteSse {
  const chosen: RequestedSse = requested.mode !== 'none' || !fallback
    ? requested
    : fallback.algorithm === 'AES256' ? { mode: 'AES256' } : { mode: 'cos/kms', keyId: fallback.kmsKeyId, context: undefined };
  switch (chosen.mode) {
    case 'none':
      return { record: { ...plainRecord } };
    case 'AES256':
      return { record: { ...plainRecord, sse: 'AES256' } };
    case 'cos/kms':
      return { record: { ...plainRecord, sse: 'cos/kms', kmsKeyId: chosen.keyId ?? DEFAULT_KMS_KEY_ID, kmsContext: chosen.context ?? null } };
    case 'SSE-C': {
      const salt = generateCustomerKeySalt();
      return {
        record: { ...plainRecord, sse: 'SSE-C', customerMd5: customerKeyMd5(chosen.key), customerSalt: salt.toString('base64'), customerFingerprint: customerKeyFingerprint(chosen.key, salt) },
        customerKey: chosen.key,
      };
    }
  }
}

/**
 * Checks the SSE-C key of a read (GET, HEAD, part upload, copy source) against a stored record: SSE-C objects
 * need the key (400 InvalidRequest without it, 403 AccessDenied for another key); other objects must not get one.
 */
export function checkCustomerKey(record: SseRecord, key: Buffer | undefined): void {
  if (record.sse !== 'SSE-C') {
    if (key !== undefined) throw cosError('InvalidRequest', 'The object was not encrypted with a customer key; do not send SSE-C headers.');
    return;
  }
  if (key === undefined) throw cosError('InvalidRequest', 'The object was stored with SSE-C; the request must carry the customer key headers.');
  if (!customerKeyMatches(key, Buffer.from(record.customerSalt ?? '', 'base64'), record.customerFingerprint ?? '')) {
    throw cosError('AccessDenied', 'The SSE-C key does not match the key the object was stored with.');
  }
}

/** The §4.3 echo headers of a stored encryption; `amz` adds the S3 spellings for SigV4 clients. */
export function sseResponseHeaders(record: SseRecord, amz: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string): void => {
    out[`x-cos-${name}`] = value;
    if (amz) out[`x-amz-${name}`] = value;
  };
  if (record.sse === 'AES256') add('server-side-encryption', 'AES256');
  else if (record.sse === 'cos/kms') {
    out['x-cos-server-side-encryption'] = 'cos/kms';
    out['x-cos-server-side-encryption-cos-kms-key-id'] = record.kmsKeyId ?? DEFAULT_KMS_KEY_ID;
    if (amz) {
      out['x-amz-server-side-encryption'] = 'aws:kms';
      out['x-amz-server-side-encryption-aws-kms-key-id'] = record.kmsKeyId ?? DEFAULT_KMS_KEY_ID;
    }
  } else if (record.sse === 'SSE-C') {
    add('server-side-encryption-customer-algorithm', 'AES256');
    add('server-side-encryption-customer-key-MD5', record.customerMd5 ?? '');
  }
  return out;
}

/** Copies the SSE settings of an upload (for parts). */
export function sseOfRecord(record: SseRecord): SseRecord {
  return {
    sse: record.sse, kmsKeyId: record.kmsKeyId, kmsContext: record.kmsContext, customerMd5: record.customerMd5,
    customerSalt: record.customerSalt, customerFingerprint: record.customerFingerprint,
  };
}
