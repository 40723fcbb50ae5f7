/** PUT Object - Copy and Upload Part - Copy: re-encrypts the source plaintext under a fresh data key for the destination. */
import type { IncomingHttpHeaders } from 'node:http';
import { parseBucketHost, isValidBucketName } from '../../protocol/bucketHost.ts';
import { cosError } from '../../protocol/cosError.ts';
import { buildCopyObjectResult, buildCopyPartResult, type CopyObjectResult } from '../../protocol/xml.ts';
import { evaluatePreconditions } from '../http/conditionals.ts';
import { contentFromHeaders } from '../http/contentHeaders.ts';
import type { EngineContext } from './engineContext.ts';
import type { ObjectRow, VersioningState } from '../storage/engineIndex.ts';
import { isVersionId } from '../storage/objectVersions.ts';
import { copySourceVersion, requestTags } from './objectVersions.ts';
import { cosHeaders, versionHeaders } from '../http/versionHeaders.ts';
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
 * or `<host>/<bucket>/<key>`, optionally with a scheme and `?versionId=<id>` (an empty id means the current
 * version). A host such as `localhost` is also a valid S3 bucket name, so `bucketExists` decides between the last
 * two forms. Throws InvalidCopySource.
 */
export function parseCopySource(value: string, bucketExists: (name: string) => boolean = () => true): { bucket: string; key: string; versionId?: string } {
  let text = value.trim().replace(/^https?:\/\//i, '');
  const question = text.indexOf('?');
  const query = question === -1 ? '' : text.slice(question + 1);
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
  let versionId: string | undefined;
  try {
    key = decodeURIComponent(rest.join('/'));
    versionId = new URLSearchParams(query).get('versionId') || undefined;
  } catch {
    throw cosError('InvalidCopySource', 'The copy source key is not valid percent-encoding.');
  }
  if (key === '') throw cosError('InvalidCopySource', 'The copy source names no key.');
  validateKey(key);
  if (versionId !== undefined && !isVersionId(versionId)) throw cosError('InvalidArgument', 'The copy source version id is not valid.');
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

/** The source version of a copy, after the source SSE-C key and the copy-source preconditions have been checked. */
function copySource(ctx: EngineContext, r: EngineRequest): { object: ObjectRow; customerKey: Buffer | undefined; versioning: VersioningState; versionId?: string } {
  const headers = r.req.headers;
  const source = parseCopySource(firstHeader(headers, 'x-cos-copy-source', 'x-amz-copy-source') ?? '', (name) => ctx.index.getBucket(name) !== undefined);
  const bucket = ctx.index.getBucket(source.bucket);
  if (!bucket) throw cosError('NoSuchBucket', 'The copy source bucket does not exist.');
  const object = copySourceVersion(ctx, source.bucket, source.key, source.versionId, r.amz);
  const customerKey = readCustomerKey(headers, 'x-cos-copy-source-server-side-encryption-customer-');
  checkCustomerKey(object, customerKey);
  if (evaluatePreconditions(headers, object.etag, object.modified, 'x-cos-copy-source-') !== undefined) throw cosError('PreconditionFailed');
  return { object, customerKey, versioning: bucket.versioning, versionId: source.versionId };
}

/** `x-cos-copy-source-version-id` of the version a copy read, when its bucket is versioned or the request named a version. */
function sourceVersionHeaders(source: ReturnType<typeof copySource>, amz: boolean): Record<string, string> {
  return source.versioning !== null || source.versionId !== undefined ? cosHeaders(amz, { 'copy-source-version-id': source.object.versionId }) : {};
}

/** A `x-cos-<name>-directive` (metadata or tagging): Copy (default) or Replaced (S3: COPY / REPLACE, any case). */
function directiveOf(headers: IncomingHttpHeaders, name: 'metadata' | 'tagging'): 'Copy' | 'Replaced' {
  const value = firstHeader(headers, `x-cos-${name}-directive`, `x-amz-${name}-directive`) ?? 'Copy';
  if (/^copy$/i.test(value)) return 'Copy';
  if (/^(replaced|replace)$/i.test(value)) return 'Replaced';
  throw cosError('InvalidArgument', `x-cos-${name}-directive must be Copy or Replaced.`);
}

/**
 * PUT Object - Copy: a new version of the destination from the current (or the `?versionId=` named) source version.
 * The destination is encrypted only as this request (or the bucket default) asks; nothing is inherited. Tags come
 * from the source unless `x-cos-tagging-directive: Replaced` takes them from `x-cos-tagging`.
 */
export async function copyObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const source = copySource(ctx, r);
  const { object: from, customerKey: sourceKey } = source;
  const directive = directiveOf(r.req.headers, 'metadata');
  const tags = directiveOf(r.req.headers, 'tagging') === 'Copy' ? from.tags : requestTags(r);
  // Copying a named version onto its own key is how a version is restored; copying the current version onto itself changes nothing.
  if (from.bucket === r.bucket && from.key === r.key && directive !== 'Replaced' && source.versionId === undefined) {
    throw cosError('InvalidRequest', 'Copying an object onto itself requires x-cos-metadata-directive: Replaced.');
  }
  const content = directive === 'Copy' ? { contentType: from.contentType, headers: from.headers, meta: from.meta } : contentFromHeaders(r.req.headers, r.key);
  const sse = resolveWriteSse(parseWriteSse(r.req.headers), bucketDefault(bucket.encryption));
  await drainBody(r);
  const segments = ctx.index.objectSegments(from.objectId);
  const stream = createObjectStream(ctx, { bucket: from.bucket, key: from.key, record: from, segments, customerKey: sourceKey, refresh: (blobId) => ctx.index.getSegment(blobId) });
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key: r.key, uploadId: null, partNumber: 0, record: sse.record, customerKey: sse.customerKey, source: stream, expectedSize: from.size,
  }).finally(() => stream.destroy());
  try {
    const { object, versioning } = await commitObject(ctx, { bucket: r.bucket, key: r.key, record: sse.record, content, etag: written.segment.md5, crc64: from.crc64, tags }, [written.segment]);
    const result: CopyObjectResult = { etag: `"${object.etag}"`, lastModified: new Date(object.modified).toISOString() };
    if (versioning !== null) result.versionId = object.versionId;
    sendXml(r, 200, buildCopyObjectResult(result), {
      'x-cos-hash-crc64ecma': object.crc64, ...sseResponseHeaders(object, r.amz), ...versionHeaders(object, versioning, r.amz), ...sourceVersionHeaders(source, r.amz),
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
  const copied = copySource(ctx, r);
  const { object: source, customerKey: sourceKey } = copied;
  const range = copyRange(r.req.headers, source.size);
  await drainBody(r);
  const segments = ctx.index.objectSegments(source.objectId);
  const stream = createObjectStream(ctx, { bucket: source.bucket, key: source.key, record: source, segments, customerKey: sourceKey, refresh: (blobId) => ctx.index.getSegment(blobId) }, range);
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
    'x-cos-hash-crc64ecma': written.segment.crc64, ...sseResponseHeaders(upload, r.amz), ...sourceVersionHeaders(copied, r.amz),
  });
}
