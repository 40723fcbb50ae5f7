/** COS request signing (`q-sign-algorithm=sha1`): sign and verify, in the Authorization header or a presigned URL. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { checkCosTimeWindow, parseCosTimeWindow } from './cosTimeWindow.ts';
import { cosUrlEncode } from './cosUrlEncode.ts';
import { headerValue, safeDecode, type SignableRequest } from './signableRequest.ts';

/** A SecretId/SecretKey pair, with the token of temporary credentials. */
export interface CosCredentials {
  secretId: string;
  secretKey: string;
  securityToken?: string;
}

/** What a client signs: the DECODED path (`/` + object key as written), query pairs and headers. */
export interface CosSignInput {
  method: string;
  /** `/` + the object key exactly as the user wrote it (not percent-encoded); `/` for bucket calls. */
  pathname: string;
  query: [string, string][];
  headers: Record<string, string>;
}

/** Signing options. */
export interface CosSignOptions {
  /** Start of validity, Unix seconds (the SDK uses now − 1). */
  startSeconds: number;
  /** Validity in seconds. Default 900. */
  expiresSeconds?: number;
  /** Sign exactly these headers (lowercase names) instead of the SDK's default choice. */
  headerNames?: string[];
  /**
   * `q-key-time` when it differs from `q-sign-time` (`start;end`, which must contain the sign time for a server to
   * accept it); default: equal to the sign time, as the SDK does.
   */
  keyTime?: string;
}

/** The seven fields of a COS credential string. */
export interface CosAuthorization {
  algorithm: string;
  secretId: string;
  signTime: string;
  keyTime: string;
  headerList: string[];
  urlParamList: string[];
  signature: string;
}

/** Outcome of {@link verifyCos}. */
export type CosVerifyResult =
  | { ok: true; secretId: string }
  | { ok: false; code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'RequestTimeTooSkewed'; message: string };

const signedHeaderNames = new Set([
  'cache-control', 'content-disposition', 'content-encoding', 'content-length', 'content-md5', 'content-type', 'expect',
  'expires', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-unmodified-since', 'origin', 'range',
  'transfer-encoding', 'pic-operations',
]);

/** Whether a client signs this header (the official SDK's rule: `x-cos-*`, `x-ci-*` and a fixed list; not the token). */
export function isSignedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'x-cos-security-token') return false;
  return lower.includes('x-cos-') || lower.includes('x-ci-') || signedHeaderNames.has(lower);
}

const sha1Hex = (text: string | Buffer): string => createHash('sha1').update(text).digest('hex');
const hmacSha1Hex = (key: string, text: string): string => createHmac('sha1', key).update(text).digest('hex');

/** Recent SignKeys by SecretKey and KeyTime: a client signs every request of one second with the same KeyTime. */
const recentSignKeys = new Map<string, string>();

/** SignKey = HMAC-SHA1-hex(SecretKey, KeyTime); its hex text is the key of the final HMAC (§1.2 step 2). */
export function cosSignKey(secretKey: string, keyTime: string): string {
  const id = `${keyTime}\n${secretKey}`;
  let signKey = recentSignKeys.get(id);
  if (signKey === undefined) {
    signKey = hmacSha1Hex(secretKey, keyTime);
    // A handful of key pairs and seconds at most; the oldest entry goes first.
    if (recentSignKeys.size >= 16) recentSignKeys.delete(recentSignKeys.keys().next().value!);
    recentSignKeys.set(id, signKey);
  }
  return signKey;
}

/** Builds the sorted `name=value` string and `;`-joined name list from encoded pairs (§1.2 steps 4–5). */
function canonicalPairs(pairs: [string, string][]): { list: string; text: string } {
  const encoded = pairs.map(([name, value]) => [cosUrlEncode(name).toLowerCase(), cosUrlEncode(value)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { list: encoded.map(([name]) => name).join(';'), text: encoded.map(([name, value]) => `${name}=${value}`).join('&') };
}

/**
 * The signature over one request (§1.2): the SignKey comes from `q-key-time`, the StringToSign carries `q-sign-time`,
 * so both windows are covered. Also returns the lists it covered.
 */
function computeSignature(secretKey: string, times: { keyTime: string; signTime: string }, method: string, pathname: string, query: [string, string][], headers: [string, string][]): { signature: string; urlParamList: string; headerList: string } {
  const { keyTime, signTime } = times;
  const parameters = canonicalPairs(query);
  const headerPairs = canonicalPairs(headers);
  const httpString = `${method.toLowerCase()}\n${pathname}\n${parameters.text}\n${headerPairs.text}\n`;
  const stringToSign = `sha1\n${signTime}\n${sha1Hex(httpString)}\n`;
  const signature = hmacSha1Hex(cosSignKey(secretKey, keyTime), stringToSign);
  return { signature, urlParamList: parameters.list, headerList: headerPairs.list };
}

/** Chooses the headers a client signs: the named ones, else the SDK's list minus empty values. */
function headersToSign(headers: Record<string, string>, names: string[] | undefined): [string, string][] {
  const entries = Object.entries(headers);
  if (names) return entries.filter(([name]) => names.includes(name.toLowerCase()));
  return entries.filter(([name, value]) => value !== '' && isSignedHeader(name));
}

/** Returns the `Authorization` header value for a request (cos-api.md §1.2). */
export function signCos(input: CosSignInput, credentials: CosCredentials, options: CosSignOptions): string {
  const signTime = `${options.startSeconds};${options.startSeconds + (options.expiresSeconds ?? 900)}`;
  const keyTime = options.keyTime ?? signTime;
  const result = computeSignature(credentials.secretKey, { keyTime, signTime }, input.method, input.pathname, input.query, headersToSign(input.headers, options.headerNames));
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${credentials.secretId}`,
    `q-sign-time=${signTime}`,
    `q-key-time=${keyTime}`,
    `q-header-list=${result.headerList}`,
    `q-url-param-list=${result.urlParamList}`,
    `q-signature=${result.signature}`,
  ].join('&');
}

/** Returns the query string (without `?`) that makes a presigned URL; the token is appended unsigned. */
export function presignCos(input: CosSignInput, credentials: CosCredentials, options: CosSignOptions): string {
  const authorization = signCos(input, credentials, options);
  const encoded = authorization.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    return `${pair.slice(0, equals)}=${cosUrlEncode(pair.slice(equals + 1))}`;
  });
  if (credentials.securityToken) encoded.push(`x-cos-security-token=${cosUrlEncode(credentials.securityToken)}`);
  return encoded.join('&');
}

/** Parses a credential string from an Authorization header; undefined when it is not a COS q-sign value. */
export function parseCosAuthorization(text: string): CosAuthorization | undefined {
  const fields = new Map<string, string>();
  for (const pair of text.trim().split('&')) {
    const equals = pair.indexOf('=');
    if (equals > 0) fields.set(pair.slice(0, equals).trim().toLowerCase(), safeDecode(pair.slice(equals + 1).trim()));
  }
  return authorizationFromFields(fields);
}

/** Extracts a credential from presigned-URL query parameters; undefined when absent. */
export function cosAuthorizationFromQuery(query: [string, string][]): CosAuthorization | undefined {
  const fields = new Map<string, string>();
  for (const [name, value] of query) if (name.toLowerCase().startsWith('q-')) fields.set(name.toLowerCase(), value);
  return authorizationFromFields(fields);
}

function authorizationFromFields(fields: Map<string, string>): CosAuthorization | undefined {
  const secretId = fields.get('q-ak');
  const signature = fields.get('q-signature');
  const keyTime = fields.get('q-key-time');
  if (!secretId || !signature || !keyTime) return undefined;
  const splitList = (value: string | undefined): string[] => (value ? value.split(';').filter((name) => name !== '') : []);
  return {
    algorithm: fields.get('q-sign-algorithm') ?? '',
    secretId,
    signTime: fields.get('q-sign-time') ?? keyTime,
    keyTime,
    headerList: splitList(fields.get('q-header-list')),
    urlParamList: splitList(fields.get('q-url-param-list')),
    signature,
  };
}

/**
 * The query values a COS signature covers: for each name of `q-url-param-list` (lowercase, URL-encoded), the first
 * query parameter whose encoded lowercase name matches, or `''` when the request has none (§1.4). A parameter outside
 * the list is not covered, whatever its value: the server must not act on it where that matters (`response-*`).
 */
export function cosSignedParams(query: readonly (readonly [string, string])[], urlParamList: readonly string[]): Map<string, string> {
  const wanted = new Set(urlParamList);
  const signed = new Map<string, string>();
  for (const [name, value] of query) {
    const lower = cosUrlEncode(name).toLowerCase();
    if (wanted.has(lower) && !signed.has(lower)) signed.set(lower, value);
  }
  for (const name of wanted) if (!signed.has(name)) signed.set(name, '');
  return signed;
}

/** Verification options. */
export interface CosVerifyOptions {
  /** Current time, Unix seconds. */
  nowSeconds: number;
  /** Allowed clock difference before the start time. Default 900. */
  maxSkewSeconds?: number;
  /** The decoded path the signature covers; default: the request path decoded (override for path-style). */
  pathname?: string;
  /** True when the credential came from the query (its `q-*` and token parameters are not signed). */
  fromQuery?: boolean;
}

/**
 * Verifies a parsed credential against a request, per cos-api.md §1.2–§1.4: both `q-key-time` and `q-sign-time`
 * must be well-formed windows that hold now (see {@link checkCosTimeWindow}: `RequestTimeTooSkewed` or
 * `AccessDenied`), the sign time must lie within the key time (`AccessDenied`), and the signature — whose SignKey
 * is derived from the key time and whose StringToSign carries the sign time, so neither can be edited — must match
 * (`SignatureDoesNotMatch`, compared in constant time). An unknown SecretId gives `InvalidAccessKeyId`.
 */
export function verifyCos(request: SignableRequest, auth: CosAuthorization, lookupSecret: (secretId: string) => string | undefined, options: CosVerifyOptions): CosVerifyResult {
  if (auth.algorithm.toLowerCase() !== 'sha1') return { ok: false, code: 'AccessDenied', message: 'Only q-sign-algorithm=sha1 is supported.' };
  const secretKey = lookupSecret(auth.secretId);
  if (secretKey === undefined) return { ok: false, code: 'InvalidAccessKeyId', message: 'The SecretId you provided does not exist.' };
  const keyWindow = parseCosTimeWindow(auth.keyTime);
  if (!keyWindow) return { ok: false, code: 'AccessDenied', message: 'q-key-time is malformed; expected start;end in Unix seconds.' };
  const signWindow = parseCosTimeWindow(auth.signTime);
  if (!signWindow) return { ok: false, code: 'AccessDenied', message: 'q-sign-time is malformed; expected start;end in Unix seconds.' };
  const skew = options.maxSkewSeconds ?? 900;
  const late = checkCosTimeWindow(keyWindow, options.nowSeconds, skew, options.fromQuery === true)
    ?? checkCosTimeWindow(signWindow, options.nowSeconds, skew, options.fromQuery === true);
  if (late) return { ok: false, ...late };
  if (signWindow.start < keyWindow.start || signWindow.end > keyWindow.end) {
    return { ok: false, code: 'AccessDenied', message: 'q-sign-time must lie within q-key-time.' };
  }

  const signed = cosSignedParams(request.query, auth.urlParamList);
  const query: [string, string][] = auth.urlParamList.map((name) => [safeDecode(name), signed.get(name) ?? '']);
  const headers: [string, string][] = auth.headerList.map((name) => [name, headerValue(request.headers, name) ?? '']);
  const pathname = options.pathname ?? safeDecode(request.path);
  const expected = computeSignature(secretKey, { keyTime: auth.keyTime, signTime: auth.signTime }, request.method, pathname, query, headers).signature;
  const given = Buffer.from(auth.signature.toLowerCase());
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your SecretKey and signing method.' };
  }
  return { ok: true, secretId: auth.secretId };
}

/** Signs a POST Object form policy (cos-api.md §1.5 V5): HMAC-SHA1 of SHA-1(policy) under the SignKey. */
export function signPostPolicy(policy: string | Buffer, secretKey: string, keyTime: string): string {
  return hmacSha1Hex(cosSignKey(secretKey, keyTime), sha1Hex(policy));
}

/** Constant-time check of a POST policy signature. */
export function verifyPostPolicy(policy: string | Buffer, secretKey: string, keyTime: string, signature: string): boolean {
  const expected = Buffer.from(signPostPolicy(policy, secretKey, keyTime));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
