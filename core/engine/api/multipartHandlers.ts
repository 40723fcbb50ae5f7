/** Multipart upload: initiate (encryption fixed here), upload part, complete (no re-encryption), abort. */
import { createHash, randomBytes } from 'node:crypto';
import { cosError } from '../../protocol/cosError.ts';
import { crc64Combine } from '../../protocol/crc64.ts';
import { buildCompleteMultipartUploadResult, buildInitiateMultipartUploadResult, parseCompleteMultipartUpload } from '../../protocol/xml.ts';
import { contentFromHeaders } from '../http/contentHeaders.ts';
import type { EngineContext } from './engineContext.ts';
import type { NewObject, SegmentRow, UploadRow } from '../storage/engineIndex.ts';
import { newObjectId } from '../storage/objectVersions.ts';
import { versionHeaders } from '../http/versionHeaders.ts';
import { requestTags } from './objectVersions.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { bodySource, checkDigests, contentMd5, declaredSize, readSmallBody, wantsSha256 } from '../http/requestBody.ts';
import { MAX_OBJECT_SIZE, writeSegment, type CommittedObject } from '../content/segmentWriter.ts';
import { bucketDefault, checkCustomerKey, firstHeader, parseWriteSse, readCustomerKey, resolveWriteSse, sseResponseHeaders } from '../http/sseRequest.ts';

/** Smallest part other than the last: 1 MiB. */
export const MIN_PART_SIZE = 1024 * 1024;
/** Highest part number. */
export const MAX_PART_NUMBER = 10_000;

/** POST `?uploads`: creates an upload; its metadata and encryption are fixed here. */
export async function initiateUpload(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const content = contentFromHeaders(r.req.headers, r.key);
  const sse = resolveWriteSse(parseWriteSse(r.req.headers), bucketDefault(bucket.encryption));
  const tags = requestTags(r);
  await readSmallBody(r);
  const upload: UploadRow = {
    uploadId: `${Math.floor(ctx.clock.now() / 1000)}${randomBytes(16).toString('hex')}`, bucket: r.bucket, key: r.key, initiated: ctx.clock.now(),
    tags, ...content, ...sse.record,
  };
  ctx.index.insertUpload(upload);
  sendXml(r, 200, buildInitiateMultipartUploadResult({ bucket: r.bucket, key: r.key, uploadId: upload.uploadId }), sseResponseHeaders(upload, r.amz));
}

/** The upload named by `?uploadId` for this bucket and key (NoSuchUpload otherwise). */
export function requireUpload(ctx: EngineContext, r: EngineRequest): UploadRow {
  const uploadId = r.params.get('uploadId') ?? '';
  const upload = uploadId === '' ? undefined : ctx.index.getUpload(uploadId);
  if (!upload || upload.bucket !== r.bucket || upload.key !== r.key) throw cosError('NoSuchUpload');
  return upload;
}

/** `partNumber` as 1..10000 (InvalidArgument otherwise). */
export function partNumberOf(r: EngineRequest): number {
  const text = r.params.get('partNumber') ?? '';
  const number = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (number < 1 || number > MAX_PART_NUMBER) throw cosError('InvalidArgument', `partNumber must be between 1 and ${MAX_PART_NUMBER}.`);
  return number;
}

/**
 * The SSE-C key for a part of `upload` (required for SSE-C uploads, refused otherwise); a matching
 * `x-cos-server-side-encryption` on the part is accepted and ignored (the SDK sends it), another one is refused.
 */
export function partCustomerKey(r: EngineRequest, upload: UploadRow): Buffer | undefined {
  const algorithm = firstHeader(r.req.headers, 'x-cos-server-side-encryption', 'x-amz-server-side-encryption');
  if (algorithm !== undefined) {
    const matches = (upload.sse === 'AES256' && algorithm === 'AES256') || (upload.sse === 'cos/kms' && (algorithm === 'cos/kms' || algorithm === 'aws:kms'));
    if (!matches) throw cosError('InvalidArgument', 'The part names an encryption different from the one the upload was initiated with.');
  }
  const key = readCustomerKey(r.req.headers);
  checkCustomerKey(upload, key);
  return key;
}

/** Indexes a written part, replacing an earlier part with the same number; NoSuchUpload (and the blob removed) if the upload vanished. */
export async function commitPart(ctx: EngineContext, segment: SegmentRow): Promise<void> {
  let replaced: string[];
  try {
    replaced = await ctx.index.commit(() => {
      if (!ctx.index.getUpload(segment.uploadId!)) throw cosError('NoSuchUpload');
      return ctx.index.putPart(segment);
    });
  } catch (error) {
    await ctx.blobs.remove([segment.blobId]);
    throw error;
  }
  await ctx.blobs.remove(replaced);
}

/** PUT `?partNumber&uploadId`: one part, encrypted with its own data key. */
export async function uploadPart(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const partNumber = partNumberOf(r);
  const upload = requireUpload(ctx, r);
  const customerKey = partCustomerKey(r, upload);
  const declared = declaredSize(r);
  if (declared === undefined && r.req.headers['transfer-encoding'] === undefined && !(r.auth.kind === 'v4' && r.auth.payloadHash.startsWith('STREAMING-'))) throw cosError('MissingContentLength');
  if (declared !== undefined && declared > MAX_OBJECT_SIZE) throw cosError('EntityTooLarge', 'A part may not exceed 5 GB.');
  const expectedMd5 = contentMd5(r);
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key: r.key, uploadId: upload.uploadId, partNumber, record: upload, customerKey, source: bodySource(r), expectedSize: declared,
    sha256: wantsSha256(r), check: (result) => checkDigests(r, result.md5, result.sha256Hex, expectedMd5),
  });
  try {
    await commitPart(ctx, written.segment);
  } finally {
    written.release();
  }
  sendEmpty(r, 200, { ETag: `"${written.segment.md5}"`, 'x-cos-hash-crc64ecma': written.segment.crc64, ...sseResponseHeaders(upload, r.amz) });
}

const bareEtag = (etag: string): string => etag.trim().replace(/^"|"$/g, '').toLowerCase();

/** POST `?uploadId`: validates the part list and makes the parts the object in one index transaction (no data is rewritten). */
export async function completeUpload(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  requireUpload(ctx, r);
  const { parts } = parseCompleteMultipartUpload(await readSmallBody(r));
  if (parts.length === 0) throw cosError('MalformedXML', 'The Complete request must name at least one part.');
  if (parts.length > MAX_PART_NUMBER) throw cosError('MalformedXML', `At most ${MAX_PART_NUMBER} parts can be completed.`);
  let replaced: string[] = [];
  let leftover: string[] = [];
  const { object, versioning } = await ctx.index.commit((): CommittedObject => {
    const upload = requireUpload(ctx, r);
    const bucket = ctx.index.getBucket(r.bucket);
    if (!bucket) throw cosError('NoSuchBucket');
    const pending = new Map(ctx.index.uploadParts(upload.uploadId).map((segment) => [segment.partNumber, segment]));
    const segments: SegmentRow[] = [];
    parts.forEach((part, index) => {
      if (index > 0 && part.partNumber <= parts[index - 1]!.partNumber) throw cosError('InvalidPartOrder');
    });
    for (const [index, part] of parts.entries()) {
      const segment = pending.get(part.partNumber);
      if (!segment || bareEtag(part.etag) !== segment.md5) throw cosError('InvalidPart', `Part ${part.partNumber} was not uploaded or its ETag does not match.`);
      if (index < parts.length - 1 && segment.size < MIN_PART_SIZE) throw cosError('EntityTooSmall', `Part ${part.partNumber} is smaller than 1 MB.`);
      segments.push(segment);
    }
    const md5 = createHash('md5');
    let crc = 0n;
    for (const segment of segments) {
      md5.update(Buffer.from(segment.md5, 'hex'));
      crc = crc64Combine(crc, BigInt(segment.crc64), segment.size);
    }
    const fresh: NewObject = {
      bucket: r.bucket, key: r.key, objectId: newObjectId(), size: segments.reduce((sum, segment) => sum + segment.size, 0),
      etag: `${md5.digest('hex')}-${segments.length}`, crc64: crc.toString(10), modified: ctx.clock.now(),
      contentType: upload.contentType, headers: upload.headers, meta: upload.meta, tags: upload.tags,
      sse: upload.sse, kmsKeyId: upload.kmsKeyId, kmsContext: upload.kmsContext, customerMd5: upload.customerMd5,
      customerSalt: upload.customerSalt, customerFingerprint: upload.customerFingerprint,
    };
    const put = ctx.index.versions.put(bucket.versioning, fresh);
    replaced = put.removed;
    segments.forEach((segment, seq) => ctx.index.attachPart(segment.blobId, fresh.objectId, seq));
    leftover = ctx.index.removeUpload(upload.uploadId);
    return { object: put.object, versioning: bucket.versioning };
  });
  await ctx.blobs.remove([...replaced, ...leftover]);
  const location = `${r.bucket}.cos.${ctx.region}.myqcloud.com/${r.key}`;
  sendXml(r, 200, buildCompleteMultipartUploadResult({ location, bucket: r.bucket, key: r.key, etag: `"${object.etag}"` }), {
    'x-cos-hash-crc64ecma': object.crc64, ...sseResponseHeaders(object, r.amz), ...versionHeaders(object, versioning, r.amz),
  });
}

/** DELETE `?uploadId`: 204; NoSuchUpload for unknown ids. */
export async function abortUpload(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const upload = requireUpload(ctx, r);
  const removed = await ctx.index.commit(() => ctx.index.removeUpload(upload.uploadId));
  await ctx.blobs.remove(removed);
  sendEmpty(r, 204);
}
