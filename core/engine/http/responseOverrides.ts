/** GET Object `response-*` query overrides: applied only when the request's signature covers them. */
import { cosError } from '../../protocol/cosError.ts';
import { signedParam, type EngineRequest } from './engineRequest.ts';

/** The `response-*` query parameters and the response header each one overrides (cos-api.md §3.5). */
const RESPONSE_OVERRIDES: readonly (readonly [parameter: string, header: string])[] = [
  ['response-content-type', 'Content-Type'], ['response-content-language', 'Content-Language'], ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'], ['response-content-disposition', 'Content-Disposition'], ['response-content-encoding', 'Content-Encoding'],
];

/**
 * The response headers a GET/HEAD Object request asks to override, as `[header, value]` pairs. A value is taken
 * only from what the signature covers, so whoever holds a signed URL cannot append `response-content-type=text/html`
 * and have a synced file served as a page. Anonymous requests may not use `response-*` (400 InvalidRequest, as S3
 * and the COS documentation say); a signed request carrying one its signature does not cover — for a COS signature,
 * a name missing from `q-url-param-list` — is refused with 403 AccessDenied rather than served with headers its
 * signer never chose. Empty values are ignored.
 */
export function responseOverrides(r: EngineRequest): [header: string, value: string][] {
  const overrides: [string, string][] = [];
  for (const [parameter, header] of RESPONSE_OVERRIDES) {
    if (!r.params.has(parameter)) continue;
    if (r.auth.kind === 'anonymous') throw cosError('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
    const value = signedParam(r, parameter);
    if (value === undefined || value !== r.params.get(parameter)) {
      throw cosError('AccessDenied', `The query parameter ${parameter} is not covered by the request signature; sign it (q-url-param-list) or leave it out.`);
    }
    if (value !== '') overrides.push([header, value]);
  }
  return overrides;
}
