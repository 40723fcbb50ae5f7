/** AWS Signature Version 4 (S3 dialect): sign requests and presign URLs; re-exports parsing, verifying and aws-chunked. */
import { CosSyncError } from '../common/errors.ts';
import {
  canonicalRequest, credentialScope, deriveSigningKey, formatAmzDate, signatureHex, stringToSign, UNSIGNED_PAYLOAD, V4_ALGORITHM,
} from './sigv4Canonical.ts';
import type { HeaderMap, SignableRequest } from './signableRequest.ts';

export type { SignableRequest } from './signableRequest.ts';
export {
  canonicalHeaderValue, canonicalQueryString, canonicalRequest, canonicalUri, credentialScope, deriveSigningKey, EMPTY_SHA256, formatAmzDate,
  parseAmzDate, sha256Hex, signatureHex, STREAMING_PAYLOAD, stringToSign, UNSIGNED_PAYLOAD, uriEncode, V4_ALGORITHM,
} from './sigv4Canonical.ts';
export { parseV4Authorization, parseV4Presigned, type V4AuthorizationFields, type V4PresignedFields } from './sigv4Parse.ts';
export { verifyV4, type V4VerifyOptions, type V4VerifyResult, type V4VerifyFailureCode } from './sigv4Verify.ts';
export { awsChunkSignature, createAwsChunkedDecoder, type AwsChunkedDecoderOptions } from './sigv4Chunked.ts';

/** An access key pair, with the session token of temporary credentials. */
export interface V4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options of {@link signV4}. */
export interface V4SignOptions {
  region: string;
  /** Default `s3`. Only `s3` adds (and signs) `x-amz-content-sha256`, as the AWS SDKs do. */
  service?: string;
  /** Signing time (inject the clock). */
  date: Date;
  /** Hex SHA-256 of the body, `UNSIGNED-PAYLOAD` (default) or a `STREAMING-*` marker. */
  payloadHash?: string;
  /**
   * Headers to sign (any case). Default: every header of the request except hop-by-hop and client-noise ones.
   * `host` and every `x-amz-*` header (including the added `x-amz-date`, `x-amz-security-token` and, for `s3`,
   * `x-amz-content-sha256`) are always signed.
   */
  signedHeaders?: string[];
}

/** Options of {@link presignV4}. */
export interface V4PresignOptions {
  region: string;
  /** Default `s3`. */
  service?: string;
  /** Signing time: the URL is valid from here for `expiresSeconds`. */
  date: Date;
  /** Validity, 1..604800 seconds. */
  expiresSeconds: number;
  /** Headers the holder of the URL must send unchanged (any case). `host` and the request's `x-amz-*` headers are always signed. */
  signedHeaders?: string[];
}

/** Headers added by {@link signV4}. */
export interface V4SignedHeaders {
  authorization: string;
  'x-amz-date': string;
  'x-amz-content-sha256'?: string;
  'x-amz-security-token'?: string;
}

// Headers a proxy or the HTTP stack may change or add, which SDKs never sign.
const unsignable = new Set([
  'authorization', 'connection', 'expect', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'user-agent', 'x-amzn-trace-id',
]);

function resolveSignedHeaders(headers: HeaderMap, requested: string[] | undefined, required: string[]): string[] {
  const present = Object.keys(headers).filter((name) => headers[name] !== undefined);
  const base = requested ? requested.map((name) => name.toLowerCase()) : present.filter((name) => !unsignable.has(name));
  // S3 rejects requests carrying x-amz-* headers that are not signed.
  const amz = present.filter((name) => name.startsWith('x-amz-'));
  const names = [...new Set([...base, ...required, ...amz])].sort();
  if (headers.host === undefined) {
    throw new CosSyncError('SigningHostMissing', 'The request to sign has no Host header.', { hint: 'Set headers.host before signing.' });
  }
  return names;
}

/**
 * Signs a request for the Authorization header (SigV4, S3 rules: the path is encoded once). Returns only
 * the headers to add; the request itself is not modified. The request must already carry `host` and
 * every header that is to be signed. Throws `SigningHostMissing` without a Host header.
 */
export function signV4(request: SignableRequest, credentials: V4Credentials, options: V4SignOptions): V4SignedHeaders {
  const service = options.service ?? 's3';
  const amzDate = formatAmzDate(options.date);
  const dateStamp = amzDate.slice(0, 8);
  const payloadHash = options.payloadHash ?? UNSIGNED_PAYLOAD;
  const added: Omit<V4SignedHeaders, 'authorization'> = { 'x-amz-date': amzDate };
  if (service === 's3') added['x-amz-content-sha256'] = payloadHash;
  if (credentials.sessionToken !== undefined) added['x-amz-security-token'] = credentials.sessionToken;
  const headers: HeaderMap = { ...request.headers, ...added };
  const signedHeaders = resolveSignedHeaders(headers, options.signedHeaders, ['host', ...Object.keys(added)]);
  const scope = credentialScope(dateStamp, options.region, service);
  const canonical = canonicalRequest({ method: request.method, path: request.path, query: request.query, headers, signedHeaders, payloadHash });
  const signingKey = deriveSigningKey(credentials.secretAccessKey, dateStamp, options.region, service);
  const signature = signatureHex(signingKey, stringToSign(amzDate, scope, canonical));
  const authorization = `${V4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return { authorization, ...added };
}

/**
 * Presigns a request: returns the decoded query pairs to append to `request.query` (X-Amz-Algorithm,
 * -Credential, -Date, -Expires, -SignedHeaders, -Security-Token when there is a token, and -Signature
 * last). The payload is `UNSIGNED-PAYLOAD`. Throws `InvalidArgument` when `expiresSeconds` is outside
 * 1..604800 and `SigningHostMissing` without a Host header.
 */
export function presignV4(request: SignableRequest, credentials: V4Credentials, options: V4PresignOptions): [string, string][] {
  const { expiresSeconds } = options;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > 604_800) {
    throw new CosSyncError('InvalidArgument', 'A presigned URL must be valid for 1 to 604800 seconds.', { details: { expiresSeconds } });
  }
  const service = options.service ?? 's3';
  const amzDate = formatAmzDate(options.date);
  const dateStamp = amzDate.slice(0, 8);
  const scope = credentialScope(dateStamp, options.region, service);
  const signedHeaders = resolveSignedHeaders(request.headers, options.signedHeaders ?? [], ['host']);
  const added: [string, string][] = [
    ['X-Amz-Algorithm', V4_ALGORITHM],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresSeconds)],
    ['X-Amz-SignedHeaders', signedHeaders.join(';')],
  ];
  if (credentials.sessionToken !== undefined) added.push(['X-Amz-Security-Token', credentials.sessionToken]);
  const canonical = canonicalRequest({
    method: request.method, path: request.path, query: [...request.query, ...added], headers: request.headers, signedHeaders, payloadHash: UNSIGNED_PAYLOAD,
  });
  const signingKey = deriveSigningKey(credentials.secretAccessKey, dateStamp, options.region, service);
  added.push(['X-Amz-Signature', signatureHex(signingKey, stringToSign(amzDate, scope, canonical))]);
  return added;
}
