/** Writes one blob segment (a whole object or a part) with its own sealed data key, and commits whole objects to the index. */
import type { Readable } from 'node:stream';
import { cosError } from '../../protocol/cosError.ts';
import { writeBlob, writeInlineBlob, type BlobWriteResult } from '../storage/blobWriter.ts';
import { BlobStore } from '../storage/blobStore.ts';
import { segmentContext } from '../keys/dataKeys.ts';
import type { ContentStores } from './contentStores.ts';
import type { ContentRecord, NewObject, ObjectRow, ObjectTag, SegmentRow, SseRecord, VersioningState } from '../storage/engineIndex.ts';
import { newObjectId } from '../storage/objectVersions.ts';
import { writeBodyInWorker } from './workerBodyWriter.ts';

/** Largest single PUT and largest part: 5 GiB. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
/** Bodies declared smaller stay on the main thread: a worker round trip costs more than it saves on a few packages. */
const WORKER_MIN_SIZE = 1 << 20;
/** Whole objects declared at most this size are kept in the index instead of a blob file (ContentStores.inlineMax overrides). */
export const DEFAULT_INLINE_MAX = 32 * 1024;

/** What a segment write needs. */
export interface SegmentWrite {
  bucket: string;
  key: string;
  uploadId: string | null;
  partNumber: number;
  record: SseRecord;
  customerKey?: Buffer;
  source: Readable;
  expectedSize?: number;
  sha256?: boolean;
  check?: (result: BlobWriteResult) => void;
}

/** A written, durable but not yet indexed segment; `release` ends the key-version lease. */
export interface WrittenSegment {
  segment: SegmentRow;
  result: BlobWriteResult;
  release(): void;
}

/** Streams `source` into a new blob (encrypted per `record`) and returns its segment row (object id unset). */
export async function writeSegment(ctx: ContentStores, write: SegmentWrite): Promise<WrittenSegment> {
  const blobId = BlobStore.newId();
  const sealed = await ctx.keys.seal(write.record, write.customerKey, segmentContext(write.bucket, write.key, write.uploadId, write.partNumber, blobId));
  const pool = ctx.crypto;
  const viaWorker = pool && (write.expectedSize === undefined || write.expectedSize >= WORKER_MIN_SIZE);
  // Only whole objects: parts are attached to their object later, and a multipart object's segments stay files.
  const inlineMax = ctx.inlineMax ?? DEFAULT_INLINE_MAX;
  const inline = inlineMax > 0 && write.uploadId === null && write.expectedSize !== undefined && write.expectedSize <= inlineMax;
  try {
    const options = {
      blobId,
      encryption: sealed && { dataKey: sealed.dataKey, context: segmentContext(write.bucket, write.key, write.uploadId, write.partNumber, blobId) },
      maxSize: MAX_OBJECT_SIZE,
      expectedSize: write.expectedSize,
      sha256: write.sha256,
      check: write.check,
    };
    let stored: Buffer | undefined;
    let result: BlobWriteResult;
    if (inline) ({ result, stored } = await writeInlineBlob(write.source, options));
    else result = await writeBlob(ctx.blobs, write.source, { ...options, ...(viaWorker ? { bodyWriter: (source, handle, body) => writeBodyInWorker(pool, source, handle, body) } : {}) });
    const segment: SegmentRow = {
      blobId, objectId: null, uploadId: write.uploadId, partNumber: write.partNumber, seq: 0, bucket: write.bucket, key: write.key,
      size: result.size, md5: result.md5.toString('hex'), crc64: result.crc64.toString(10), modified: ctx.clock.now(),
      sealedKey: sealed?.sealedKey ?? null, sealKeyId: sealed?.sealKeyId ?? null, sealVersion: sealed?.sealVersion ?? null,
      ...(stored ? { inline: stored } : {}),
    };
    return { segment, result, release: sealed?.release ?? (() => {}) };
  } catch (error) {
    sealed?.release();
    throw error;
  } finally {
    sealed?.dataKey.fill(0);
  }
}

/** A committed version and the bucket's versioning state it was written under (it decides the version headers). */
export interface CommittedObject {
  object: ObjectRow;
  versioning: VersioningState;
}

/**
 * Makes `segments` the content of a new version of `bucket/key` in one index transaction (the commit point): a new
 * version id when the bucket's versioning is Enabled, else the replacement of the key's `null` version; then deletes
 * the replaced blobs. NoSuchBucket (and the new blobs removed) when the bucket vanished meanwhile.
 */
export async function commitObject(
  ctx: ContentStores,
  target: { bucket: string; key: string; record: SseRecord; content: ContentRecord; etag: string; crc64: string; tags?: ObjectTag[] },
  segments: SegmentRow[], extra: () => void = () => {},
): Promise<CommittedObject> {
  const fresh: NewObject = {
    bucket: target.bucket, key: target.key, objectId: newObjectId(), size: segments.reduce((sum, segment) => sum + segment.size, 0), etag: target.etag,
    crc64: target.crc64, modified: ctx.clock.now(), tags: target.tags ?? [], ...target.content, ...target.record,
  };
  let committed: { object: ObjectRow; removed: string[]; versioning: VersioningState };
  try {
    committed = await ctx.index.commit(() => {
      const bucket = ctx.index.getBucket(target.bucket);
      if (!bucket) throw cosError('NoSuchBucket');
      const put = ctx.index.versions.put(bucket.versioning, fresh);
      segments.forEach((segment, seq) => {
        if (segment.uploadId !== null && segment.partNumber > 0 && ctx.index.hasBlob(segment.blobId)) ctx.index.attachPart(segment.blobId, fresh.objectId, seq);
        else ctx.index.insertSegment({ ...segment, objectId: fresh.objectId, seq });
      });
      extra();
      return { ...put, versioning: bucket.versioning };
    });
  } catch (error) {
    const unattached = segments.filter((segment) => segment.uploadId === null && !segment.inline).map((segment) => segment.blobId);
    await ctx.blobs.remove(unattached);
    throw error;
  }
  await ctx.blobs.remove(committed.removed);
  return { object: committed.object, versioning: committed.versioning };
}
