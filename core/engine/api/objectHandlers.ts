/** PUT, GET, HEAD and DELETE Object. */
import type { OutgoingHttpHeaders } from 'node:http';
import { cosError } from '../../protocol/cosError.ts';
import { evaluatePreconditions, parseRange } from '../http/conditionals.ts';
import { contentFromHeaders } from '../http/contentHeaders.ts';
import type { EngineContext } from './engineContext.ts';
import type { BucketRow, ObjectRow, SegmentRow, VersioningState } from '../storage/engineIndex.ts';
import { deleteHeaders, deleteVersion, readVersion, requestedVersionId, requestTags } from './objectVersions.ts';
import { taggingCountHeader, versionHeaders } from '../http/versionHeaders.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { objectHeaders, sendEmpty } from '../http/engineResponse.ts';
import { responseOverrides } from '../http/responseOverrides.ts';
import { sendObject } from '../content/objectSender.ts';
import { createObjectStream, readInlineObject } from '../content/objectStream.ts';
import { bodySource, checkDigests, contentMd5, declaredSize, wantsSha256 } from '../http/requestBody.ts';
import { commitObject, writeSegment } from '../content/segmentWriter.ts';
import { bucketDefault, checkCustomerKey, firstHeader, parseWriteSse, readCustomerKey, resolveWriteSse, sseResponseHeaders } from '../http/sseRequest.ts';

/** The bucket of a request (NoSuchBucket when missing). */
export function requireBucket(ctx: EngineContext, r: EngineRequest): BucketRow {
  const bucket = ctx.index.getBucket(r.bucket);
  if (!bucket) throw cosError('NoSuchBucket');
  return bucket;
}

/** AccessDenied unless the request is signed or a bucket policy statement allows it (anonymous requests otherwise). */
export function requireSigned(r: EngineRequest): void {
  if (r.auth.kind === 'anonymous' && !r.grantedByPolicy) throw cosError('AccessDenied', 'Anonymous requests are not allowed for this operation.');
}

/** PUT Object: streams the body into a new encrypted (or plain) blob and commits it. */
export async function putObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const declared = declaredSize(r);
  if (declared === undefined && r.req.headers['transfer-encoding'] === undefined && !(r.auth.kind === 'v4' && r.auth.payloadHash.startsWith('STREAMING-'))) {
    throw cosError('MissingContentLength');
  }
  if (declared !== undefined && declared > 5 * 1024 ** 3) throw cosError('EntityTooLarge', 'A single PUT may not exceed 5 GB; use multipart upload.');
  const content = contentFromHeaders(r.req.headers, r.key);
  const sse = resolveWriteSse(parseWriteSse(r.req.headers), bucketDefault(bucket.encryption));
  const tags = requestTags(r);
  const expectedMd5 = contentMd5(r);
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key: r.key, uploadId: null, partNumber: 0, record: sse.record, customerKey: sse.customerKey, source: bodySource(r),
    expectedSize: declared, sha256: wantsSha256(r), check: (result) => checkDigests(r, result.md5, result.sha256Hex, expectedMd5),
  });
  try {
    const { object, versioning } = await commitObject(ctx, {
      bucket: r.bucket, key: r.key, record: sse.record, content, etag: written.segment.md5, crc64: written.segment.crc64, tags,
    }, [written.segment]);
    sendEmpty(r, 200, { ETag: `"${object.etag}"`, 'x-cos-hash-crc64ecma': object.crc64, ...sseResponseHeaders(object, r.amz), ...versionHeaders(object, versioning, r.amz) });
  } finally {
    written.release();
  }
}

/**
 * The version a GET/HEAD reads (`versionId`, else the current one) after the anonymous rules (a public-read ACL or a
 * bucket policy Allow, and never an encrypted object: COS serves those to signed requests only) and the SSE-C key
 * check, with the bucket's versioning state.
 */
export function readableObject(ctx: EngineContext, r: EngineRequest): { object: ObjectRow; customerKey: Buffer | undefined; versioning: VersioningState } {
  const versionId = requestedVersionId(r);
  if (r.auth.kind === 'anonymous') {
    const bucket = ctx.index.getBucket(r.bucket);
    if (!bucket || (bucket.acl !== 'public-read' && bucket.acl !== 'public-read-write' && !r.grantedByPolicy)) throw cosError('AccessDenied', 'Anonymous access is not allowed.');
    const object = readVersion(ctx, r, versionId, bucket.versioning);
    if (object.sse !== 'none') throw cosError('AccessDenied', 'Encrypted objects cannot be read anonymously.');
    if (readCustomerKey(r.req.headers) !== undefined) throw cosError('InvalidRequest', 'The object was not encrypted with a customer key.');
    return { object, customerKey: undefined, versioning: bucket.versioning };
  }
  const bucket = requireBucket(ctx, r);
  const object = readVersion(ctx, r, versionId, bucket.versioning);
  const customerKey = readCustomerKey(r.req.headers);
  checkCustomerKey(object, customerKey);
  return { object, customerKey, versioning: bucket.versioning };
}

/** GET / HEAD Object: preconditions, one range, `response-*` overrides (only signed ones), streamed plaintext. */
export async function getObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  const { object, customerKey, versioning } = readableObject(ctx, r);
  const headers: OutgoingHttpHeaders = { ...objectHeaders(object, r.amz), ...versionHeaders(object, versioning, r.amz), ...taggingCountHeader(object, r.amz) };
  // Before the preconditions: a 304 must not let an unsigned override pass unnoticed either.
  const overrides = responseOverrides(r);
  const precondition = evaluatePreconditions(r.req.headers, object.etag, object.modified);
  if (precondition === 412) throw cosError('PreconditionFailed');
  if (precondition === 304) {
    r.res.writeHead(304, { ETag: headers.ETag, 'Last-Modified': headers['Last-Modified'], 'Content-Type': object.contentType });
    r.res.end();
    return;
  }
  for (const [header, value] of overrides) headers[header] = value;
  const range = r.method === 'GET' || firstHeader(r.req.headers, 'range') !== undefined ? parseRange(firstHeader(r.req.headers, 'range'), object.size) : undefined;
  const status = range ? 206 : 200;
  headers['Content-Length'] = String(range ? range.end - range.start + 1 : object.size);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  if (r.method === 'HEAD' || object.size === 0) {
    r.res.writeHead(status, headers);
    r.res.end();
    return;
  }
  const segments = ctx.index.objectSegments(object.objectId);
  const source = { bucket: object.bucket, key: object.key, record: object, segments, customerKey, refresh: (blobId: string) => ctx.index.getSegment(blobId) };
  const inline = readInlineObject(ctx, source, range);
  if (inline) {
    r.res.writeHead(status, headers);
    r.res.end(inline);
    return;
  }
  // Unseal the first data key now so a key problem is an error document, not a truncated body.
  const first = firstSegmentAt(segments, range?.start ?? 0);
  if (first) ctx.keys.unseal(object, first, object.bucket, object.key, customerKey)?.fill(0);
  const stream = createObjectStream(ctx, source, range, { lend: true });
  r.res.writeHead(status, headers);
  await sendObject(stream, r.res);
}

function firstSegmentAt(segments: SegmentRow[], offset: number): SegmentRow | undefined {
  let position = 0;
  for (const segment of segments) {
    if (segment.size > 0 && offset < position + segment.size) return segment;
    position += segment.size;
  }
  return undefined;
}

/**
 * DELETE Object: 204 whether or not the key or version existed. Without `versionId` the current version goes (a delete
 * marker takes its place where versioning was configured); with it, that version goes for good, bytes included.
 */
export async function deleteObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const versionId = requestedVersionId(r);
  const outcome = await deleteVersion(ctx, r.bucket, r.key, versionId);
  sendEmpty(r, 204, deleteHeaders(outcome, versionId, r.amz));
}
