/** The dispatch table: method, bucket or object, and sub-resource choose the handler (parsing and auth happen before). */
import { cosError } from '../../protocol/cosError.ts';
import * as bucketApi from './bucketHandlers.ts';
import { deleteBucketPolicy, getBucketPolicy, putBucketPolicy } from './bucketPolicyHandlers.ts';
import { copyObject, uploadPartCopy } from './copyObject.ts';
import { deleteObjects } from './deleteObjects.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty } from '../http/engineResponse.ts';
import { deleteLifecycle, getLifecycle, putLifecycle } from './lifecycleHandlers.ts';
import { listObjects } from './listObjects.ts';
import { listVersions } from './listVersions.ts';
import * as multipart from './multipartHandlers.ts';
import { listParts, listUploads } from './multipartListings.ts';
import { deleteObject, getObject, putObject, requireSigned } from './objectHandlers.ts';
import { postObject } from './postObject.ts';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './taggingHandlers.ts';
import { getVersioning, putVersioning } from './versioningHandlers.ts';
import { drainBody } from '../http/requestBody.ts';
import { firstHeader } from '../http/sseRequest.ts';

/** A request handler: answers through `r.res`, or throws a CosError. */
export type Handler = (ctx: EngineContext, r: EngineRequest) => void | Promise<void>;

const unsupported = new Set(['cors', 'website', 'logging', 'replication', 'restore', 'referer', 'domain', 'inventory', 'append', 'select']);
// Sub-resources served on buckets only: on an object key they are not supported either.
const bucketOnly = ['policy', 'lifecycle', 'versioning', 'versions'];

// Object ACLs are accepted and ignored: access is decided by the bucket ACL and the object's encryption.
async function putObjectAcl(_ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  await drainBody(r);
  sendEmpty(r, 200);
}

function subresource(r: EngineRequest, name: string): boolean {
  return r.params.has(name);
}

function notImplemented(name: string): Handler {
  return (_ctx, request) => {
    requireSigned(request);
    throw cosError('NotImplemented', `The ?${name} sub-resource is not supported by the local engine.`);
  };
}

/** Bucket sub-resources with their own handlers per method (`?tagging` on a bucket is not supported). */
const bucketSubresources: Record<string, Partial<Record<string, Handler>>> = {
  versioning: { GET: getVersioning, PUT: putVersioning },
  versions: { GET: listVersions },
  lifecycle: { GET: getLifecycle, PUT: putLifecycle, DELETE: deleteLifecycle },
  tagging: { GET: notImplemented('tagging'), PUT: notImplemented('tagging'), DELETE: notImplemented('tagging') },
};

/** Object sub-resources with their own handlers per method. */
const objectSubresources: Record<string, Partial<Record<string, Handler>>> = {
  tagging: { GET: getObjectTagging, PUT: putObjectTagging, DELETE: deleteObjectTagging },
};

function subresourceHandler(r: EngineRequest, table: Record<string, Partial<Record<string, Handler>>>): Handler | undefined {
  for (const [name, methods] of Object.entries(table)) {
    if (!subresource(r, name)) continue;
    const handler = methods[r.method];
    if (!handler) throw cosError('MethodNotAllowed');
    return handler;
  }
  return undefined;
}

/** The handler for a parsed, authenticated request; MethodNotAllowed / NotImplemented when there is none. */
export function route(r: EngineRequest): Handler {
  for (const name of r.key === '' ? unsupported : [...unsupported, ...bucketOnly]) {
    if (subresource(r, name)) return notImplemented(name);
  }
  if (r.style === 'service') {
    if (r.method === 'GET') return bucketApi.listBuckets;
    throw cosError('MethodNotAllowed');
  }
  if (r.key === '') {
    const special = subresourceHandler(r, bucketSubresources);
    if (special) return special;
    switch (r.method) {
      case 'PUT':
        if (subresource(r, 'acl')) return bucketApi.putBucketAcl;
        if (subresource(r, 'encryption')) return bucketApi.putBucketEncryption;
        if (subresource(r, 'policy')) return putBucketPolicy;
        return bucketApi.putBucket;
      case 'GET':
        if (subresource(r, 'acl')) return bucketApi.getAcl;
        if (subresource(r, 'encryption')) return bucketApi.getBucketEncryption;
        if (subresource(r, 'policy')) return getBucketPolicy;
        if (subresource(r, 'uploads')) return listUploads;
        if (subresource(r, 'location')) return bucketApi.getLocation;
        return listObjects;
      case 'HEAD':
        return bucketApi.headBucket;
      case 'DELETE':
        if (subresource(r, 'encryption')) return bucketApi.deleteBucketEncryption;
        if (subresource(r, 'policy')) return deleteBucketPolicy;
        return bucketApi.deleteBucket;
      case 'POST':
        if (subresource(r, 'delete')) return deleteObjects;
        return postObject;
      default:
        throw cosError('MethodNotAllowed');
    }
  }
  const special = subresourceHandler(r, objectSubresources);
  if (special) return special;
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
