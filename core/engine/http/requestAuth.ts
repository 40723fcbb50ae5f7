/** Authenticates a request: COS q-sign (header or query), SigV4 (header or presigned), or anonymous. */
import { CosError, cosError } from '../../protocol/cosError.ts';
import { cosAuthorizationFromQuery, cosSignedParams, parseCosAuthorization, verifyCos, type CosAuthorization } from '../../protocol/cosSignature.ts';
import { verifyV4, type V4VerifyResult } from '../../protocol/sigv4.ts';
import { headerValue, type SignableRequest } from '../../protocol/signableRequest.ts';
import type { EngineRequest, RequestAuth } from './engineRequest.ts';

/** Allowed clock difference for signatures, seconds. */
export const MAX_SKEW_SECONDS = 900;

const statusOf: Record<string, number> = { AuthorizationQueryParametersError: 400 };

function failure(code: string, message: string): CosError {
  const status = statusOf[code];
  return status === undefined ? cosError(code, message) : new CosError({ code, status, message });
}

/** Verifies the request's credential and returns who signed it; throws a 403 (or 400) CosError when a credential is present but wrong. */
export function authenticate(r: EngineRequest, lookupSecret: (id: string) => string | undefined, nowMs: number): RequestAuth {
  const signable: SignableRequest = { method: r.method, path: r.rawPath, query: r.query, headers: r.req.headers };
  const authorization = headerValue(r.req.headers, 'authorization');
  const v4Query = r.params.has('X-Amz-Algorithm') || r.params.has('X-Amz-Signature') || r.params.has('X-Amz-Credential');
  if ((authorization !== undefined && authorization.trim().startsWith('AWS4-')) || (authorization === undefined && v4Query)) {
    return verifyV4Request(r, signable, lookupSecret, nowMs);
  }
  let cos: CosAuthorization | undefined;
  let fromQuery = false;
  if (authorization !== undefined) {
    if (authorization.trim().startsWith('AWS ')) throw cosError('AccessDenied', 'AWS signature version 2 is not supported; use SigV4 or the COS signature.');
    cos = parseCosAuthorization(authorization);
    if (!cos) throw cosError('AccessDenied', 'The Authorization header is malformed.');
  } else if (r.params.has('q-signature') || r.params.has('q-ak') || r.params.has('sign')) {
    // Older SDKs put the whole credential string, URL-encoded, into one `sign` parameter.
    const sign = r.params.get('sign');
    cos = r.params.has('q-signature') || sign === undefined ? cosAuthorizationFromQuery(r.query) : parseCosAuthorization(sign);
    fromQuery = true;
    if (!cos) throw cosError('AccessDenied', 'The presigned URL is missing signature parameters.');
  } else {
    return { kind: 'anonymous' };
  }
  const options = { nowSeconds: Math.floor(nowMs / 1000), maxSkewSeconds: MAX_SKEW_SECONDS, fromQuery };
  let result = verifyCos(signable, cos, lookupSecret, { ...options, pathname: r.signedPath });
  if (!result.ok && result.code === 'SignatureDoesNotMatch' && r.style === 'path') {
    // Some clients sign the full path-style path, bucket segment included.
    const full = verifyCos(signable, cos, lookupSecret, { ...options, pathname: safePath(r.rawPath) });
    if (full.ok) result = full;
  }
  if (!result.ok) throw failure(result.code, result.message);
  return { kind: 'cos', secretId: cos.secretId, signedParams: cosSignedParams(r.query, cos.urlParamList) };
}

function safePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function verifyV4Request(r: EngineRequest, signable: SignableRequest, lookupSecret: (id: string) => string | undefined, nowMs: number): RequestAuth {
  const options = { now: new Date(nowMs), maxSkewSeconds: MAX_SKEW_SECONDS };
  let result: V4VerifyResult = verifyV4(signable, lookupSecret, options);
  if (!result.ok && result.code === 'SignatureDoesNotMatch' && r.style === 'path') {
    // Path-style clients normally sign the full path; accept a signature over the path without the bucket too.
    const stripped = r.rawPath.replace(/^\/[^/]*/, '') || '/';
    const retry = verifyV4({ ...signable, path: stripped }, lookupSecret, options);
    if (retry.ok) result = retry;
  }
  if (!result.ok) throw failure(result.code, result.message);
  const auth: RequestAuth = { kind: 'v4', secretId: result.accessKeyId, payloadHash: result.payloadHash, presigned: result.presigned };
  if (result.chunked) auth.chunked = result.chunked;
  return auth;
}
