/** Checks every request to the web host: Host header (DNS rebinding), Origin (cross-site) and the token. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A new access token: 32 random bytes, base64url. */
export function createToken(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(32)).toString('base64url');
}

/** The cookie that carries the token; the port is in the name because cookies ignore ports. */
export function tokenCookieName(port: number): string {
  return `cos_sync_token_${port}`;
}

/** Compares two secrets in constant time (hashing first so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The host names the page may be reached by; anything else is a DNS-rebinding attempt. */
function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** A refused request: HTTP status plus the JSON error body. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  hint?: string;
}

/** Refuses requests whose Host is not 127.0.0.1/localhost on our port or whose Origin is another site. */
export function checkOrigin(request: IncomingMessage, port: number): Refusal | null {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!allowedHosts(port).includes(host)) {
    return { status: 421, code: 'BadHost', message: `This server only answers to 127.0.0.1:${port} or localhost:${port}.`, hint: 'Open the address printed by `cos-sync serve`.' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedHosts(port).some((allowed) => origin.toLowerCase() === `http://${allowed}`)) {
    return { status: 403, code: 'CrossOrigin', message: 'Requests from other sites are refused.' };
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, code: 'CrossOrigin', message: 'Requests from other sites are refused.' };
  }
  return null;
}

/** Refuses /api requests that carry neither the bearer token nor the token cookie. */
export function checkToken(request: IncomingMessage, token: string, port: number): Refusal | null {
  const authorization = request.headers.authorization;
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  const given = bearer ?? readCookie(request.headers.cookie, tokenCookieName(port));
  if (given !== undefined && sameSecret(given, token)) return null;
  return { status: 401, code: 'Unauthorized', message: 'A valid access token is required.', hint: 'Open the full address (with ?token=…) printed by `cos-sync serve`.' };
}
