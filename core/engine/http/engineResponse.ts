/** Response helpers: common COS headers, XML bodies, error documents (no body on HEAD) and object headers. */
import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { CosSyncError } from '../../common/errors.ts';
import { buildErrorXml, CosError } from '../../protocol/cosError.ts';
import { errorStatus } from '../../protocol/errorCodes.ts';
import type { ObjectRow } from '../storage/engineIndex.ts';
import type { EngineRequest } from './engineRequest.ts';
import { sseResponseHeaders } from './sseRequest.ts';

/** Random per engine process: ids are unique across restarts and engines without a random draw per request. */
const REQUEST_ID_PREFIX = randomBytes(9).toString('base64').replace(/[+/=]/g, 'x');
let requestCount = 0;

/** A new COS-style request id (24 characters: a per-process random prefix and a counter; it names a request, it guards nothing). */
export function newRequestId(): string {
  return `${REQUEST_ID_PREFIX}${(++requestCount).toString(36).padStart(12, '0')}`;
}

/**
 * Sets `x-cos-request-id`, `Server: tencent-cos`, `Date` and `X-Content-Type-Options: nosniff` (every response
 * carries them; nosniff keeps a browser from running a stored object as anything its Content-Type does not say).
 */
export function setCommonHeaders(res: ServerResponse, requestId: string, now: number): void {
  res.setHeader('x-cos-request-id', requestId);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('Server', 'tencent-cos');
  res.setHeader('Date', new Date(now).toUTCString());
}

/** Sends an XML document with `status`. */
export function sendXml(r: EngineRequest, status: number, xml: string, headers: OutgoingHttpHeaders = {}): void {
  const body = xml.startsWith('<?xml') ? xml : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  const buffer = Buffer.from(body, 'utf8');
  r.res.writeHead(status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': String(buffer.length) });
  r.res.end(r.method === 'HEAD' ? undefined : buffer);
}

/** Sends a response without a body. */
export function sendEmpty(r: EngineRequest, status: number, headers: OutgoingHttpHeaders = {}): void {
  r.res.writeHead(status, { ...headers, 'Content-Length': '0' });
  r.res.end();
}

/** Code, status and message for any thrown value (unknown failures become 500 InternalError). */
export function errorParts(error: unknown): { code: string; status: number; message: string | undefined; internal: boolean } {
  if (error instanceof CosError) return { code: error.code, status: error.status, message: error.serverMessage, internal: false };
  if (error instanceof CosSyncError) {
    const status = errorStatus(error.code);
    if (status !== undefined && error.code !== 'InternalError') return { code: error.code, status, message: error.message, internal: false };
    if (error.code === 'IncompleteBody' || error.code === 'InvalidRequest') return { code: error.code, status: 400, message: error.message, internal: false };
  }
  return { code: 'InternalError', status: 500, message: undefined, internal: true };
}

/** How much of an unread request body is read and dropped after an early error, and for how long, before the connection is closed. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 3000;

/**
 * After an error answered before the request body was read: reads and drops what the client is still sending (up to
 * {@link LINGER_BYTES} for {@link LINGER_MS}) before closing, because closing a socket with unread data makes the
 * kernel send a reset, and the reset can discard the error answer before the client reads it. A body that ends in
 * time leaves the connection usable for the next request.
 */
function lingerThenClose(r: EngineRequest): void {
  const { req } = r;
  if (req.destroyed) return;
  let drained = 0;
  const close = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) close();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('error', close);
  req.resume();
}

/** Sends a COS error document (headers only for HEAD) with `x-cos-trace-id`; destroys the socket when headers already went out. */
export function sendError(r: EngineRequest, error: unknown): { code: string; status: number; internal: boolean } {
  const parts = errorParts(error);
  if (r.res.headersSent) {
    r.res.destroy(error instanceof Error ? error : undefined);
    return parts;
  }
  const traceId = randomBytes(24).toString('base64');
  const headers: OutgoingHttpHeaders = { 'x-cos-trace-id': traceId };
  if (!r.req.complete) lingerThenClose(r);
  const resource = r.bucket ? `${r.bucket}.cos.${r.region}.myqcloud.com/${r.key}` : r.rawPath;
  const xml = buildErrorXml({ code: parts.code, message: parts.message, resource, requestId: r.id, traceId });
  for (const name of r.res.getHeaderNames()) {
    if (name.startsWith('x-cos-server-side') || name.startsWith('x-amz-server-side') || name === 'etag') r.res.removeHeader(name);
  }
  sendXml(r, parts.status, xml, headers);
  return parts;
}

/** ETag, Last-Modified, CRC-64, content headers, user metadata and SSE echo of a stored object. */
export function objectHeaders(object: ObjectRow, amz: boolean): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ETag: `"${object.etag}"`,
    'Last-Modified': new Date(object.modified).toUTCString(),
    'Accept-Ranges': 'bytes',
    'Content-Type': object.contentType,
    'x-cos-hash-crc64ecma': object.crc64,
    ...sseResponseHeaders(object, amz),
  };
  for (const [name, value] of Object.entries(object.headers)) headers[name] = value;
  for (const [name, value] of Object.entries(object.meta)) headers[amz ? name.replace(/^x-cos-meta-/, 'x-amz-meta-') : name] = value;
  return headers;
}
