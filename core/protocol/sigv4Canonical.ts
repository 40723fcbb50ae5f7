/** AWS Signature Version 4 building blocks: hashing, key derivation and the S3 canonical request. */
import { createHash, createHmac } from 'node:crypto';
import type { HeaderMap } from './signableRequest.ts';

/** The only SigV4 algorithm name we speak. */
export const V4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** The payload hash a client declares when it does not sign the body. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The payload hash a client declares for signed aws-chunked uploads. */
export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
/** SHA-256 of the empty string, hex. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA256 of `data` (UTF-8) under `key`, raw bytes. */
export function hmacSha256(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * The SigV4 signing key: HMAC chain `"AWS4" + secret` → dateStamp (`YYYYMMDD`) → region → service →
 * `aws4_request`. Valid for one day, one region and one service; treat it as a secret.
 */
export function deriveSigningKey(secret: string, dateStamp: string, region: string, service: string): Buffer {
  const dateKey = hmacSha256('AWS4' + secret, dateStamp);
  const regionKey = hmacSha256(dateKey, region);
  const serviceKey = hmacSha256(regionKey, service);
  return hmacSha256(serviceKey, 'aws4_request');
}

/** The credential scope `dateStamp/region/service/aws4_request`. */
export function credentialScope(dateStamp: string, region: string, service: string): string {
  return `${dateStamp}/${region}/${service}/aws4_request`;
}

/** `YYYYMMDDTHHMMSSZ` (ISO 8601 basic, UTC, no milliseconds) for a date. */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Parses `YYYYMMDDTHHMMSSZ` to epoch milliseconds, or undefined when malformed. */
export function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Reject dates that Date.UTC silently rolled over (month 13, second 61, ...).
  return formatAmzDate(new Date(ms)) === text ? ms : undefined;
}

const unreserved = /[A-Za-z0-9\-._~]/;
const hex = '0123456789ABCDEF';

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const character = String.fromCharCode(byte);
    out += byte < 0x80 && unreserved.test(character) ? character : '%' + hex[byte >> 4]! + hex[byte & 15]!;
  }
  return out;
}

/** RFC 3986 percent-encoding of a string's UTF-8 bytes: everything but `A-Z a-z 0-9 - . _ ~`, uppercase hex. */
export function uriEncode(text: string): string {
  return encodeBytes(Buffer.from(text, 'utf8'));
}

/** Decodes `%XX` escapes of a raw path segment into bytes; other characters contribute their UTF-8 bytes. */
function decodeSegment(segment: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const codePoint = segment.codePointAt(i)!;
    const character = String.fromCodePoint(codePoint);
    bytes.push(...Buffer.from(character, 'utf8'));
    i += character.length - 1;
  }
  return Uint8Array.from(bytes);
}

/**
 * The S3 canonical URI of a raw request path: each `/`-separated segment is percent-decoded and re-encoded
 * with the unreserved set (S3 encodes once, unlike other AWS services). `/` is kept; an empty path is `/`.
 */
export function canonicalUri(rawPath: string): string {
  const path = rawPath.split('?')[0] ?? '';
  if (path === '') return '/';
  return path.split('/').map((segment) => encodeBytes(decodeSegment(segment))).join('/');
}

/** Canonical query string: names and values {@link uriEncode}d, sorted by encoded name then value, `&`-joined. */
export function canonicalQueryString(query: readonly (readonly [string, string])[]): string {
  return query
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** A header's canonical value: each value trimmed with inner whitespace runs collapsed, several values joined by `,`. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values.map((one) => one.trim().replace(/\s+/g, ' ')).join(',');
}

/** The inputs of a canonical request, already resolved by the signer or verifier. */
export interface CanonicalRequestParts {
  method: string;
  /** Raw path as on the wire; normalised with {@link canonicalUri} unless `rawUri` is set. */
  path: string;
  /** Use `path` verbatim as the canonical URI (compatibility retry for clients that encode differently). */
  rawUri?: boolean;
  query: readonly (readonly [string, string])[];
  headers: HeaderMap;
  /** Lowercase names, in the order they are listed in SignedHeaders. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

/** The canonical request text (method, URI, query, headers, signed header list, payload hash). */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headerLines = parts.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(parts.headers[name])}\n`).join('');
  return [
    parts.method.toUpperCase(),
    parts.rawUri ? parts.path || '/' : canonicalUri(parts.path),
    canonicalQueryString(parts.query),
    headerLines,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

/** The string to sign: algorithm, `YYYYMMDDTHHMMSSZ`, scope and the hex SHA-256 of the canonical request. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${V4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** Hex HMAC-SHA256 signature of a string to sign under a derived signing key. */
export function signatureHex(signingKey: Uint8Array, toSign: string): string {
  return createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
}
