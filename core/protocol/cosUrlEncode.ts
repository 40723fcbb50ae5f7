/** COS's UrlEncode: encodeURIComponent plus `! ' ( ) *`, uppercase hex (cos-api.md §1.2 step 3). */

/** Percent-encodes every UTF-8 byte except `A-Z a-z 0-9 - _ . ~`. */
export function cosUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => '%' + character.charCodeAt(0).toString(16).toUpperCase());
}

/** Encodes an object key for a request path: every segment encoded, `/` kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(cosUrlEncode).join('/');
}
