/** Parsers for SigV4 credentials: the `AWS4-HMAC-SHA256` Authorization header and presigned-URL query parameters. */
import { V4_ALGORITHM } from './sigv4Canonical.ts';

/** The fields of a SigV4 Authorization header. */
export interface V4AuthorizationFields {
  accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  dateStamp: string;
  region: string;
  service: string;
  /** `dateStamp/region/service/aws4_request`. */
  scope: string;
  /** Lowercase header names, in the order the client listed them. */
  signedHeaders: string[];
  /** 64 lowercase hex digits. */
  signature: string;
}

/** The fields of a presigned URL's X-Amz-* query parameters. */
export interface V4PresignedFields extends V4AuthorizationFields {
  /** X-Amz-Date as sent (`YYYYMMDDTHHMMSSZ` when well formed; not validated here). */
  amzDate: string;
  /** X-Amz-Expires as an integer; the range is checked by the verifier. */
  expiresSeconds: number;
  /** X-Amz-Security-Token, when present. */
  sessionToken?: string;
  /** X-Amz-Content-Sha256, when present (some SDKs sign a body hash into the URL). */
  payloadHash?: string;
}

const signaturePattern = /^[0-9a-fA-F]{64}$/;
const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

function parseCredential(credential: string): Omit<V4AuthorizationFields, 'signedHeaders' | 'signature'> | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5) return undefined;
  const [accessKeyId, dateStamp, region, service, terminator] = parts as [string, string, string, string, string];
  if (accessKeyId === '' || !/^\d{8}$/.test(dateStamp) || region === '' || service === '' || terminator !== 'aws4_request') return undefined;
  return { accessKeyId, dateStamp, region, service, scope: `${dateStamp}/${region}/${service}/aws4_request` };
}

function parseSignedHeaders(list: string): string[] | undefined {
  const names = list.split(';');
  return names.every((name) => headerNamePattern.test(name)) ? names : undefined;
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request, SignedHeaders=a;b,
 * Signature=hex`. Components may come in any order, separated by `,` with optional spaces. Returns
 * undefined for any other scheme or for a missing, duplicated or malformed component (header names must be
 * lowercase, the signature 64 hex digits; it is returned lowercase).
 */
export function parseV4Authorization(headerValue: string | undefined): V4AuthorizationFields | undefined {
  if (headerValue === undefined) return undefined;
  const text = headerValue.trim();
  if (!text.startsWith(V4_ALGORITHM + ' ')) return undefined;
  const fields = new Map<string, string>();
  for (const part of text.slice(V4_ALGORITHM.length).split(',')) {
    const item = part.trim();
    const equals = item.indexOf('=');
    if (equals <= 0) return undefined;
    const name = item.slice(0, equals);
    if (fields.has(name)) return undefined;
    fields.set(name, item.slice(equals + 1));
  }
  if (fields.size !== 3) return undefined;
  const credential = parseCredential(fields.get('Credential') ?? '');
  const signedHeaders = parseSignedHeaders(fields.get('SignedHeaders') ?? '');
  const signature = fields.get('Signature') ?? '';
  if (!credential || !signedHeaders || !signaturePattern.test(signature)) return undefined;
  return { ...credential, signedHeaders, signature: signature.toLowerCase() };
}

/**
 * Parses the X-Amz-* parameters of a presigned URL from decoded query pairs (names are matched
 * case-sensitively, as S3 does). Returns undefined when X-Amz-Algorithm is not `AWS4-HMAC-SHA256`, when a
 * required parameter (Algorithm, Credential, Date, Expires, SignedHeaders, Signature) is missing, appears
 * twice or is malformed, or when X-Amz-Expires is not a decimal integer.
 */
export function parseV4Presigned(query: readonly (readonly [string, string])[]): V4PresignedFields | undefined {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!name.startsWith('X-Amz-')) continue;
    if (values.has(name)) return undefined;
    values.set(name, value);
  }
  if (values.get('X-Amz-Algorithm') !== V4_ALGORITHM) return undefined;
  const credential = parseCredential(values.get('X-Amz-Credential') ?? '');
  const signedHeaders = parseSignedHeaders(values.get('X-Amz-SignedHeaders') ?? '');
  const signature = values.get('X-Amz-Signature') ?? '';
  const amzDate = values.get('X-Amz-Date');
  const expires = values.get('X-Amz-Expires') ?? '';
  if (!credential || !signedHeaders || !signaturePattern.test(signature) || amzDate === undefined || !/^\d{1,15}$/.test(expires)) return undefined;
  const fields: V4PresignedFields = { ...credential, signedHeaders, signature: signature.toLowerCase(), amzDate, expiresSeconds: Number(expires) };
  const sessionToken = values.get('X-Amz-Security-Token');
  if (sessionToken !== undefined) fields.sessionToken = sessionToken;
  const payloadHash = values.get('X-Amz-Content-Sha256');
  if (payloadHash !== undefined) fields.payloadHash = payloadHash;
  return fields;
}
