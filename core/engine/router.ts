/** Request entry: limits, target parsing, authentication, dispatch by method / bucket / key / sub-resource, error documents. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cosError } from '../protocol/cosError.ts';
import * as bucketApi from './bucketHandlers.ts';
import { headerSectionSize } from './contentHeaders.ts';
import { copyObject, uploadPartCopy } from './copyObject.ts';
import { deleteObjects } from './deleteObjects.ts';
import type { EngineContext } from './engineContext.ts';
import { parseParams, parseTarget, validateKey, type EngineRequest } from './engineRequest.ts';
import { newRequestId, sendError, sendEmpty, setCommonHeaders } from './engineResponse.ts';
import { listObjects } from './listObjects.ts';
import * as multipart from './multipartHandlers.ts';
import { listParts, listUploads } from './multipartListings.ts';
import { deleteObject, getObject, putObject, requireSigned } from './objectHandlers.ts';
import { postObject } from './postObject.ts';
import { authenticate } from './requestAuth.ts';
import { drainBody } from './requestBody.ts';
import { firstHeader } from './sseRequest.ts';

/** Total request header bytes accepted. */
export const MAX_HEADER_BYTES = 8 * 1024;

type Handler = (ctx: EngineContext, r: EngineRequest) => void | Promise<void>;

const unsupported = new Set(['tagging', 'cors', 'lifecycle', 'policy', 'website', 'logging', 'replication', 'versions', 'versioning', 'restore', 'referer', 'domain', 'inventory', 'append', 'select']);

// Object ACLs are accepted and ignored: access is decided by the bucket ACL and the object's encryption.
async function putObjectAcl(_ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  await drainBody(r);
  sendEmpty(r, 200);
}

function subresource(r: EngineRequest, name: string): boolean {
  return r.params.has(name);
}

function route(r: EngineRequest): Handler {
  for (const name of unsupported) {
    if (subresource(r, name)) {
      if (name === 'versioning' && r.method === 'GET') return bucketApi.getVersioning;
      return (_ctx, request) => {
        requireSigned(request);
        throw cosError('NotImplemented', `The ?${name} sub-resource is not supported by the local engine.`);
      };
    }
  }
  if (r.style === 'service') {
    if (r.method === 'GET') return bucketApi.listBuckets;
    throw cosError('MethodNotAllowed');
  }
  if (r.key === '') {
    switch (r.method) {
      case 'PUT':
        if (subresource(r, 'acl')) return bucketApi.putBucketAcl;
        if (subresource(r, 'encryption')) return bucketApi.putBucketEncryption;
        return bucketApi.putBucket;
      case 'GET':
        if (subresource(r, 'acl')) return bucketApi.getAcl;
        if (subresource(r, 'encryption')) return bucketApi.getBucketEncryption;
        if (subresource(r, 'uploads')) return listUploads;
        if (subresource(r, 'location')) return bucketApi.getLocation;
        return listObjects;
      case 'HEAD':
        return bucketApi.headBucket;
      case 'DELETE':
        if (subresource(r, 'encryption')) return bucketApi.deleteBucketEncryption;
        return bucketApi.deleteBucket;
      case 'POST':
        if (subresource(r, 'delete')) return deleteObjects;
        return postObject;
      default:
        throw cosError('MethodNotAllowed');
    }
  }
  const copySource = firstHeader(r.req.headers, 'x-cos-copy-source', 'x-amz-copy-source') !== undefined;
  switch (r.method) {
    case 'PUT':
      if (subresource(r, 'uploadId') || subresource(r, 'partNumber')) return copySource ? uploadPartCopy : multipart.uploadPart;
      if (subresource(r, 'acl')) return putObjectAcl;
      return copySource ? copyObject : putObject;
    case 'GET':
      if (subresource(r, 'uploadId')) return listParts;
      if (subresource(r, 'acl')) return bucketApi.getAcl;
      return getObject;
    case 'HEAD':
      return getObject;
    case 'DELETE':
      if (subresource(r, 'uploadId')) return multipart.abortUpload;
      return deleteObject;
    case 'POST':
      if (subresource(r, 'uploads')) return multipart.initiateUpload;
      if (subresource(r, 'uploadId')) return multipart.completeUpload;
      throw cosError('MethodNotAllowed');
    default:
      throw cosError('MethodNotAllowed');
  }
}

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
    host: req.headers.host ?? '', style: 'service', bucket: '', key: '', signedPath: '/', auth: { kind: 'anonymous' }, amz: false,
  };
  try {
    if (headerSectionSize(req.rawHeaders) > MAX_HEADER_BYTES) {
      throw cosError('InvalidArgument', `The request headers exceed ${MAX_HEADER_BYTES} bytes (RequestHeaderSectionTooLarge).`);
    }
    checkTransferEncoding(req);
    const target = parseTarget(req);
    Object.assign(r, target);
    Object.assign(r, parseParams(target.rawQuery));
    if (r.key !== '') validateKey(r.key);
    r.auth = authenticate(r, ctx.lookupSecret, ctx.clock.now());
    r.amz = r.auth.kind === 'v4';
    await route(r)(ctx, r);
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
