/** Server-side SigV4 verification (Authorization header or presigned URL) with S3's rules and error codes. */
import { timingSafeEqual } from 'node:crypto';
import {
  canonicalRequest, canonicalUri, credentialScope, deriveSigningKey, formatAmzDate, parseAmzDate, signatureHex, STREAMING_PAYLOAD, stringToSign,
  UNSIGNED_PAYLOAD,
} from './sigv4Canonical.ts';
import type { AwsChunkedDecoderOptions } from './sigv4Chunked.ts';
import { parseV4Authorization, parseV4Presigned, type V4AuthorizationFields } from './sigv4Parse.ts';
import { headerValue, type SignableRequest } from './signableRequest.ts';

/** Options of {@link verifyV4}. */
export interface V4VerifyOptions {
  /** The server's current time (inject the clock). */
  now: Date;
  /** Allowed clock difference for header auth, and how far in the future a presigned URL may start. Default 900. */
  maxSkewSeconds?: number;
  /** When set, the credential scope must name this region. */
  region?: string;
  /** When set, the credential scope must name this service (the engine passes `s3`). */
  service?: string;
}

/** S3 error codes {@link verifyV4} answers with. `ExpiredToken` is reserved for callers that check session tokens. */
export type V4VerifyFailureCode =
  | 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'RequestTimeTooSkewed' | 'AuthorizationQueryParametersError' | 'ExpiredToken';

/** Outcome of {@link verifyV4}. */
export type V4VerifyResult =
  | {
    ok: true;
    accessKeyId: string;
    /**
     * What the client declared (x-amz-content-sha256, or X-Amz-Content-Sha256 / `UNSIGNED-PAYLOAD` when presigned):
     * 64 lowercase hex digits, `UNSIGNED-PAYLOAD` or a `STREAMING-*` marker. The caller checks a hex hash against the body.
     */
    payloadHash: string;
    presigned: boolean;
    /** x-amz-security-token / X-Amz-Security-Token when sent (covered by the signature); the caller validates it. */
    sessionToken?: string;
    /** For `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: the options to pass to `createAwsChunkedDecoder` (holds the signing key: never log it). */
    chunked?: AwsChunkedDecoderOptions;
  }
  | { ok: false; code: V4VerifyFailureCode; message: string };

type Failure = Extract<V4VerifyResult, { ok: false }>;
const fail = (code: V4VerifyFailureCode, message: string): Failure => ({ ok: false, code, message });

const payloadHashPattern = /^(?:[0-9a-fA-F]{64}|UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+)$/;

/** Pulls the credential fields and the timestamp out of the request, or explains why it cannot. */
function readAuth(request: SignableRequest):
  | Failure
  | { fields: V4AuthorizationFields; presigned: boolean; amzDate: string; time: number; expires: number; payloadHash: string; token: string | undefined } {
  const authorization = headerValue(request.headers, 'authorization');
  const queryAuth = request.query.some(([name]) => name === 'X-Amz-Algorithm' || name === 'X-Amz-Credential' || name === 'X-Amz-Signature');
  if (authorization !== undefined && queryAuth) return fail('AccessDenied', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.');
  if (queryAuth) {
    const fields = parseV4Presigned(request.query);
    const qpe = (message: string): Failure => fail('AuthorizationQueryParametersError', message);
    if (!fields) return qpe('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    if (fields.expiresSeconds < 1) return qpe('X-Amz-Expires must be a positive number of seconds.');
    if (fields.expiresSeconds > 604_800) return qpe('X-Amz-Expires must be less than a week (in seconds) that is 604800.');
    const time = parseAmzDate(fields.amzDate);
    if (time === undefined) return qpe("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
    if (fields.amzDate.slice(0, 8) !== fields.dateStamp) return qpe('Invalid credential date. Date is not the same as X-Amz-Date.');
    const payloadHash = fields.payloadHash ?? UNSIGNED_PAYLOAD;
    return { fields, presigned: true, amzDate: fields.amzDate, time, expires: fields.expiresSeconds, payloadHash, token: fields.sessionToken };
  }
  if (authorization === undefined) return fail('AccessDenied', 'The request is not signed.');
  const fields = parseV4Authorization(authorization);
  if (!fields) {
    return fail('AccessDenied', authorization.startsWith('AWS4-HMAC-SHA256') ? 'The authorization header is malformed.' : 'Unsupported Authorization type; use AWS Signature Version 4.');
  }
  const amzDateHeader = headerValue(request.headers, 'x-amz-date');
  const dateHeader = headerValue(request.headers, 'date');
  const time = amzDateHeader !== undefined ? parseAmzDate(amzDateHeader.trim()) : dateHeader !== undefined ? Date.parse(dateHeader) : undefined;
  if (time === undefined || Number.isNaN(time)) return fail('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header.');
  const amzDate = amzDateHeader?.trim() ?? formatAmzDate(new Date(time));
  if (amzDate.slice(0, 8) !== fields.dateStamp) return fail('AccessDenied', 'Invalid credential date. Date is not the same as X-Amz-Date.');
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256')?.trim();
  if (payloadHash === undefined) return fail('AccessDenied', 'Missing required header for this request: x-amz-content-sha256.');
  return { fields, presigned: false, amzDate, time, expires: 0, payloadHash, token: headerValue(request.headers, 'x-amz-security-token') };
}

function sameSignature(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Verifies a SigV4-signed request (header or presigned) the way S3 does: the scope must end in
 * `aws4_request` and match `region`/`service` when given, `host` and every `x-amz-*` header present must be
 * signed, header auth needs x-amz-content-sha256 and a Date/x-amz-date within ±`maxSkewSeconds`
 * (RequestTimeTooSkewed), presigned URLs need X-Amz-Expires in 1..604800, may start at most
 * `maxSkewSeconds` in the future ("Request is not valid yet") and expire after X-Amz-Expires ("Request has
 * expired"). Unknown access keys give InvalidAccessKeyId; the signature is compared in constant time. The
 * body is NOT read: on success the caller checks it against `payloadHash` (or decodes `chunked`).
 */
export function verifyV4(request: SignableRequest, lookupSecret: (accessKeyId: string) => string | undefined, options: V4VerifyOptions): V4VerifyResult {
  const auth = readAuth(request);
  if ('ok' in auth) return auth;
  const { fields, presigned, amzDate, time } = auth;
  const malformed = (message: string): Failure => fail(presigned ? 'AuthorizationQueryParametersError' : 'AccessDenied', message);
  if (options.region !== undefined && fields.region !== options.region) return malformed(`The credential scope names region '${fields.region}'; expecting '${options.region}'.`);
  if (options.service !== undefined && fields.service !== options.service) return malformed(`The credential scope names service '${fields.service}'; expecting '${options.service}'.`);
  if (!fields.signedHeaders.includes('host')) return malformed('The host header must be signed.');
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && request.headers[name] !== undefined && !fields.signedHeaders.includes(name));
  if (unsigned.length > 0) return fail('AccessDenied', `There were headers present in the request which were not signed: ${unsigned.sort().join(', ')}.`);
  if (!payloadHashPattern.test(auth.payloadHash)) return malformed('x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid sha256 value.');

  const secret = lookupSecret(fields.accessKeyId);
  if (secret === undefined) return fail('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');

  const now = options.now.getTime();
  const skewMs = (options.maxSkewSeconds ?? 900) * 1000;
  if (presigned) {
    if (time - now > skewMs) return fail('AccessDenied', 'Request is not valid yet');
    if (now > time + auth.expires * 1000) return fail('AccessDenied', 'Request has expired');
  } else if (Math.abs(now - time) > skewMs) {
    return fail('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }

  const query = presigned ? request.query.filter(([name]) => name !== 'X-Amz-Signature') : request.query;
  const scope = credentialScope(fields.dateStamp, fields.region, fields.service);
  const signingKey = deriveSigningKey(secret, fields.dateStamp, fields.region, fields.service);
  const parts = { method: request.method, path: request.path, query, headers: request.headers, signedHeaders: fields.signedHeaders, payloadHash: auth.payloadHash };
  let signature = signatureHex(signingKey, stringToSign(amzDate, scope, canonicalRequest(parts)));
  let matches = sameSignature(signature, fields.signature);
  if (!matches && canonicalUri(request.path) !== (request.path || '/')) {
    // Clients that encode a few characters differently sign the path exactly as they sent it; both name the same object.
    signature = signatureHex(signingKey, stringToSign(amzDate, scope, canonicalRequest({ ...parts, rawUri: true })));
    matches = sameSignature(signature, fields.signature);
  }
  if (!matches) return fail('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

  const payloadHash = /^[0-9a-fA-F]{64}$/.test(auth.payloadHash) ? auth.payloadHash.toLowerCase() : auth.payloadHash;
  const result: V4VerifyResult = { ok: true, accessKeyId: fields.accessKeyId, payloadHash, presigned };
  if (auth.token !== undefined) result.sessionToken = auth.token;
  if (!presigned && payloadHash === STREAMING_PAYLOAD) {
    result.chunked = { seedSignature: fields.signature, signingKey, scope, date: amzDate };
    const decoded = headerValue(request.headers, 'x-amz-decoded-content-length');
    if (decoded !== undefined && /^\d+$/.test(decoded.trim())) result.chunked.decodedContentLength = Number(decoded.trim());
  }
  return result;
}
