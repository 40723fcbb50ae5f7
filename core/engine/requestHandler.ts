/** Request entry: limits, target parsing, authentication, the bucket-policy decision, then the dispatch table; every failure becomes a COS error document. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cosError } from '../protocol/cosError.ts';
import type { EngineContext } from './api/engineContext.ts';
import { authorizeRequest } from './api/requestAccess.ts';
import { route } from './api/routes.ts';
import { headerSectionSize } from './http/contentHeaders.ts';
import { parseParams, parseTarget, validateKey, type EngineRequest } from './http/engineRequest.ts';
import { newRequestId, sendError, setCommonHeaders } from './http/engineResponse.ts';
import { authenticate } from './http/requestAuth.ts';

/** Total request header bytes accepted. */
export const MAX_HEADER_BYTES = 8 * 1024;

/**
 * NotImplemented for transfer codings other than plain `chunked` (as S3 answers): Node passes `gzip, chunked`
 * bodies through still gzip-coded, and storing those bytes as the object would silently change its content.
 */
function checkTransferEncoding(req: IncomingMessage): void {
  const coding = req.headers['transfer-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'chunked') {
    throw cosError('NotImplemented', `Transfer-Encoding '${coding}' is not supported; send the body with Content-Length or plain chunked framing.`);
  }
}

/** Serves one HTTP request; never throws (errors become COS error documents). */
export async function handleRequest(ctx: EngineContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = newRequestId();
  setCommonHeaders(res, id, ctx.clock.now());
  const r: EngineRequest = {
    id, req, res, method: (req.method ?? 'GET').toUpperCase(), region: ctx.region, rawPath: '/', rawQuery: '', query: [], params: new Map(),
    host: req.headers.host ?? '', style: 'service', bucket: '', key: '', signedPath: '/', auth: { kind: 'anonymous' }, amz: false, grantedByPolicy: false,
  };
  try {
    if (headerSectionSize(req.rawHeaders) > MAX_HEADER_BYTES) {
      throw cosError('InvalidArgument', `The request headers exceed ${MAX_HEADER_BYTES} bytes (RequestHeaderSectionTooLarge).`);
    }
    checkTransferEncoding(req);
    const target = parseTarget(req, ctx.domains);
    Object.assign(r, target);
    Object.assign(r, parseParams(target.rawQuery));
    if (r.key !== '') validateKey(r.key);
    r.auth = authenticate(r, ctx.lookupSecret, ctx.clock.now());
    r.amz = r.auth.kind === 'v4';
    const handler = route(r);
    authorizeRequest(ctx, r);
    await handler(ctx, r);
  } catch (error) {
    const disconnected = (error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE' || req.socket.destroyed;
    const parts = sendError(r, error);
    if (parts.internal) {
      ctx.logger.log(disconnected ? 'debug' : 'error', disconnected ? 'client went away' : 'engine request failed', {
        requestId: id, method: r.method, error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
