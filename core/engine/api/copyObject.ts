/** PUT Object - Copy and Upload Part - Copy: re-encrypts the source plaintext under a fresh data key for the destination. */
import type { IncomingHttpHeaders } from 'node:http';
import { parseBucketHost, isValidBucketName } from '../../protocol/bucketHost.ts';
import { cosError } from '../../protocol/cosError.ts';
import { buildCopyObjectResult, buildCopyPartResult } from '../../protocol/xml.ts';
import { evaluatePreconditions } from '../http/conditionals.ts';
import { contentFromHeaders } from '../http/contentHeaders.ts';
import type { EngineContext } from './engineContext.ts';
import type { ObjectRow } from '../storage/engineIndex.ts';
import { validateKey, type EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { commitPart, partCustomerKey, partNumberOf, requireUpload } from './multipartHandlers.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { createObjectStream } from '../content/objectStream.ts';
import { drainBody } from '../http/requestBody.ts';
import { commitObject, writeSegment } from '../content/segmentWriter.ts';
import { bucketDefault, checkCustomerKey, firstHeader, parseWriteSse, readCustomerKey, resolveWriteSse, sseResponseHeaders } from '../http/sseRequest.ts';

/**
 * Parses `x-cos-copy-source`: `<bucket>.cos.<region>.myqcloud.com/<encoded key>`, `/<bucket>/<key>`, `<bucket>/<key>`
 * or `<host>/<bucket>/<key>` (a scheme and `?versionId=` are ignored). A host such as `localhost` is also a valid
 * S3 bucket name, so `bucketExists` decides between the last two forms. Throws InvalidCopySource.
 */
export function parseCopySource(value: string, bucketExists: (name: string) => boolean = () => true): { bucket: string; key: string } {
  let text = value.trim().replace(/^https?:\/\//i, '');
  const question = text.indexOf('?');
  if (question !== -1) text = text.slice(0, question);
  const segments = text.replace(/^\//, '').split('/');
  let bucket: string | undefined;
  let rest: string[];
  const first = segments[0] ?? '';
  const host = parseBucketHost(first);
  if (host) {
    bucket = host.bucket;
    rest = segments.slice(1);
  } else if (isValidBucketName(first) && (bucketExists(first) || !(segments.length > 2 && bucketExists(segments[1]!)))) {
    bucket = first;
    rest = segments.slice(1);
  } else {
    bucket = segments[1];
    rest = segments.slice(2);
  }
  if (!bucket || !isValidBucketName(bucket) || rest.length === 0) throw cosError('InvalidCopySource', 'x-cos-copy-source must name <bucket host>/<key>.');
  let key: string;
  try {
    key = decodeURIComponent(rest.join('/'));
  } catch {
    throw cosError('InvalidCopySource', 'The copy source key is not valid percent-encoding.');
  }
  if (key === '') throw cosError('InvalidCopySource', 'The copy source names no key.');
  validateKey(key);
  return { bucket, key };
}

/** The source object of a copy, after the source SSE-C key and the copy-source preconditions have been checked. */
function copySource(ctx: EngineContext, headers: IncomingHttpHeaders): { object: ObjectRow; customerKey: Buffer | undefined } {
  const source = parseCopySource(firstHeader(headers, 'x-cos-copy-source', 'x-amz-copy-source') ?? '', (name) => ctx.index.getBucket(name) !== undefined);
  if (!ctx.index.getBucket(source.bucket)) throw cosError('NoSuchBucket', 'The copy source bucket does not exist.');
  const object = ctx.index.getObject(source.bucket, source.key);
  if (!object) throw cosError('NoSuchKey', 'The copy source object does not exist.');
  const customerKey = readCustomerKey(headers, 'x-cos-copy-source-server-side-encryption-customer-');
  checkCustomerKey(object, customerKey);
  if (evaluatePreconditions(headers, object.etag, object.modified, 'x-cos-copy-source-') !== undefined) throw cosError('PreconditionFailed');
  return { object, customerKey };
}

function directiveOf(headers: IncomingHttpHeaders): 'Copy' | 'Replaced' {
  const value = firstHeader(headers, 'x-cos-metadata-directive', 'x-amz-metadata-directive') ?? 'Copy';
  if (/^copy$/i.test(value)) return 'Copy';
  if (/^(replaced|replace)$/i.test(value)) return 'Replaced';
  throw cosError('InvalidArgument', 'x-cos-metadata-directive must be Copy or Replaced.');
}

/** PUT Object - Copy. The destination is encrypted only as this request (or the bucket default) asks; nothing is inherited. */
export async function copyObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const { object: source, customerKey: sourceKey } = copySource(ctx, r.req.headers);
  const directive = directiveOf(r.req.headers);
  if (source.bucket === r.bucket && source.key === r.key && directive !== 'Replaced') {
    throw cosError('InvalidRequest', 'Copying an object onto itself requires x-cos-metadata-directive: Replaced.');
  }
  const content = directive === 'Copy' ? { contentType: source.contentType, headers: source.headers, meta: source.meta } : contentFromHeaders(r.req.headers, r.key);
  const sse = resolveWriteSse(parseWriteSse(r.req.headers), bucketDefault(bucket.encryption));
  await drainBody(r);
  const segments = ctx.index.objectSegments(source.objectId);
  const stream = createObjectStream(ctx.blobs, ctx.keys, { bucket: source.bucket, key: source.key, record: source, segments, customerKey: sourceKey, refresh: (blobId) => ctx.index.getSegment(blobId) });
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key: r.key, uploadId: null, partNumber: 0, record: sse.record, customerKey: sse.customerKey, source: stream, expectedSize: source.size,
  }).finally(() => stream.destroy());
  try {
    const object = await commitObject(ctx, { bucket: r.bucket, key: r.key, record: sse.record, content, etag: written.segment.md5, crc64: source.crc64 }, [written.segment]);
    sendXml(r, 200, buildCopyObjectResult({ etag: `"${object.etag}"`, lastModified: new Date(object.modified).toISOString() }), {
      'x-cos-hash-crc64ecma': object.crc64, ...sseResponseHeaders(object, r.amz),
    });
  } finally {
    written.release();
  }
}

function copyRange(headers: IncomingHttpHeaders, size: number): { start: number; end: number } | undefined {
  const value = firstHeader(headers, 'x-cos-copy-source-range', 'x-amz-copy-source-range');
  if (value === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(value);
  if (!match) throw cosError('InvalidArgument', 'x-cos-copy-source-range must be bytes=first-last.');
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start > end || end >= size) throw cosError('InvalidRange', 'x-cos-copy-source-range is outside the source object.');
  return { start, end };
}

/** Upload Part - Copy: one part from a (range of a) source object, encrypted as the upload was initiated. */
export async function uploadPartCopy(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const partNumber = partNumberOf(r);
  const upload = requireUpload(ctx, r);
  const customerKey = partCustomerKey(r, upload);
  const { object: source, customerKey: sourceKey } = copySource(ctx, r.req.headers);
  const range = copyRange(r.req.headers, source.size);
  await drainBody(r);
  const segments = ctx.index.objectSegments(source.objectId);
  const stream = createObjectStream(ctx.blobs, ctx.keys, { bucket: source.bucket, key: source.key, record: source, segments, customerKey: sourceKey, refresh: (blobId) => ctx.index.getSegment(blobId) }, range);
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key: r.key, uploadId: upload.uploadId, partNumber, record: upload, customerKey, source: stream,
    expectedSize: range ? range.end - range.start + 1 : source.size,
  }).finally(() => stream.destroy());
  try {
    await commitPart(ctx, written.segment);
  } finally {
    written.release();
  }
  sendXml(r, 200, buildCopyPartResult({ etag: `"${written.segment.md5}"`, lastModified: new Date(written.segment.modified).toISOString() }), {
    'x-cos-hash-crc64ecma': written.segment.crc64, ...sseResponseHeaders(upload, r.amz),
  });
}
