/** Percent-encoding of listing values for `encoding-type=url`. */

/**
 * Encodes a key or prefix as COS does for `encoding-type=url`: UTF-8 percent-encoding of everything except
 * RFC 3986 unreserved characters and `/`; spaces become `%20` and `+` becomes `%2B`, so either decoding style
 * is safe, and the result never needs XML escaping.
 */
export function encodeListingValue(value: string): string {
  return encodeURIComponent(value)
    .replaceAll('%2F', '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Decodes a listing value returned with `encoding-type=url`. `+` is read as a space (COS's Go SDK decodes with
 * `url.QueryUnescape`, so COS never leaves a literal `+`). Invalid escapes are left as they are.
 */
export function decodeListingValue(value: string): string {
  const plus = value.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
