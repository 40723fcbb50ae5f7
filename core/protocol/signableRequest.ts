/** The parts of an HTTP request that request signatures cover, shared by the COS and SigV4 schemes. */

/** Header values as node:http delivers them (lowercase names). */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** A request as seen by a signer or verifier. */
export interface SignableRequest {
  /** HTTP method, any case. */
  method: string;
  /** The raw request path as on the wire (percent-encoded), without the query string. */
  path: string;
  /** Decoded query parameters in wire order; a valueless flag (`?uploads`) has value `''`. */
  query: [string, string][];
  /** Request headers, lowercase names. */
  headers: HeaderMap;
}

/** First value of a header, or undefined. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Splits a raw query string into decoded pairs (no `+`→space: COS and S3 clients encode spaces as %20). */
export function parseQuery(search: string): [string, string][] {
  const text = search.startsWith('?') ? search.slice(1) : search;
  if (text === '') return [];
  return text.split('&').filter((part) => part !== '').map((part) => {
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    return [safeDecode(name), safeDecode(value)];
  });
}

/** Percent-decodes, leaving malformed sequences as they are instead of throwing. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
