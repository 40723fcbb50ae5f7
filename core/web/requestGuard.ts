/** Checks every request to the web host: Host header (DNS rebinding), Origin (cross-site) and the token. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** A new access token: 32 random bytes, base64url. */
export function createToken(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(32)).toString('base64url');
}

/** Compares two secrets in constant time (hashing first so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/**
 * True when a Host (or Origin authority) names this server: 127.0.0.1 or localhost on our port, the bound address
 * itself, or — when bound to every interface — any IP literal on our port. Host names other than localhost are
 * refused, as a DNS-rebinding page would present one.
 */
function hostAllowed(authority: string, port: number, bound: string): boolean {
  const suffix = `:${port}`;
  if (!authority.endsWith(suffix)) return false;
  const name = authority.slice(0, -suffix.length).replace(/^\[(.*)\]$/, '$1');
  if (name === '127.0.0.1' || name === 'localhost' || name === bound.toLowerCase()) return true;
  return (bound === '0.0.0.0' || bound === '::') && isIP(name) !== 0;
}

/** A refused request: HTTP status plus the JSON error body. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  hint?: string;
}

/** Refuses requests whose Host is not this server on our port (127.0.0.1, localhost or the bound address) or whose Origin is another site. */
export function checkOrigin(request: IncomingMessage, port: number, bound = '127.0.0.1'): Refusal | null {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!hostAllowed(host, port, bound)) {
    return { status: 421, code: 'BadHost', message: `This server only answers to 127.0.0.1:${port} or localhost:${port}.`, hint: 'Open the address printed by `cos-sync serve`.' };
  }
  const origin = request.headers.origin;
  const originHost = /^https?:\/\/(.+)$/.exec(origin?.toLowerCase() ?? '')?.[1];
  if (origin !== undefined && (originHost === undefined || !hostAllowed(originHost, port, bound))) {
    return { status: 403, code: 'CrossOrigin', message: 'Requests from other sites are refused.' };
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, code: 'CrossOrigin', message: 'Requests from other sites are refused.' };
  }
  return null;
}

/**
 * Refuses /api requests without `Authorization: Bearer <token>`. Cookies are never credentials here: browsers send a
 * 127.0.0.1 cookie to every port of 127.0.0.1, so any other local web server the user visits would receive it.
 */
export function checkToken(request: IncomingMessage, token: string): Refusal | null {
  const authorization = request.headers.authorization;
  const given = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  if (given !== undefined && sameSecret(given, token)) return null;
  return { status: 401, code: 'Unauthorized', message: 'A valid access token is required.', hint: 'Open the full address (with ?token=…) printed by `cos-sync serve`.' };
}
