/** Serves the built renderer (renderer/dist) with a strict Content-Security-Policy and no path escapes. */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** The CSP sent with every response: same-origin only, no inline scripts or styles, no framing. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers common to every response of the web host. */
export const securityHeaders: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Answers GET/HEAD for a file under `root`; `/` maps to index.html. Resolves false when no such file
 * exists (the caller answers 404). Never serves anything outside `root` or any dotfile.
 */
export async function serveStatic(request: IncomingMessage, response: ServerResponse, pathname: string, root: string): Promise<boolean> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return false;
  }
  if (relative.includes('\0') || relative.split('/').some((segment) => segment.startsWith('.'))) return false;
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + relative);
  if (!file.startsWith(base + path.sep)) return false;
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return false;
  const type = contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite puts content-hashed names under assets/: they never change, so they may be cached for good.
  const immutable = relative.startsWith('/assets/');
  response.writeHead(200, {
    ...securityHeaders,
    'content-type': type,
    'content-length': String(info.size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return true;
  }
  // pipeline, not pipe: when the browser goes away mid-file, pipe() would leave the file open and paused for good.
  await pipeline(createReadStream(file), response).catch(() => response.destroy());
  return true;
}
