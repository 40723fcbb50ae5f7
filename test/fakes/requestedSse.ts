/** What a proxied request asks the server to encrypt with, read from its headers (for tests that prove nothing went out without SSE). */
import type { IncomingHttpHeaders } from 'node:http';

/** The x-cos-/x-amz-server-side-encryption value, `SSE-C` for a customer key, or undefined when the request asks for none. */
export function requestedSse(headers: IncomingHttpHeaders): string | undefined {
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const customer = first('x-cos-server-side-encryption-customer-algorithm') ?? first('x-amz-server-side-encryption-customer-algorithm');
  return first('x-cos-server-side-encryption') ?? first('x-amz-server-side-encryption') ?? (customer === undefined ? undefined : 'SSE-C');
}
