/** Reads an object's plaintext (whole or one range) across its segments, decrypting only the packages a range touches. */
import { Readable } from 'node:stream';
import { createDecryptStream, HEADER_SIZE, storedSpanForRange } from '../../crypto/index.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { segmentContext, type DataKeys } from '../keys/dataKeys.ts';
import type { SegmentRow, SseRecord } from '../storage/engineIndex.ts';

/** What {@link createObjectStream} reads. */
export interface ObjectSource {
  bucket: string;
  key: string;
  record: SseRecord;
  segments: SegmentRow[];
  customerKey?: Buffer;
  /** The current row of a segment (its sealed key may have been rewrapped since the read began). */
  refresh?: (blobId: string) => SegmentRow | undefined;
}

function unsealCurrent(keys: DataKeys, source: ObjectSource, segment: SegmentRow): Buffer | undefined {
  try {
    return keys.unseal(source.record, segment, source.bucket, source.key, source.customerKey);
  } catch (error) {
    // A rewrap (and retire) may have replaced the sealed key this read started with.
    const fresh = source.refresh?.(segment.blobId);
    if (!fresh || fresh.sealedKey === segment.sealedKey) throw error;
    return keys.unseal(source.record, fresh, source.bucket, source.key, source.customerKey);
  }
}

async function* segmentBytes(blobs: BlobStore, keys: DataKeys, source: ObjectSource, segment: SegmentRow, start: number, end: number): AsyncGenerator<Buffer> {
  const dataKey = unsealCurrent(keys, source, segment);
  if (!dataKey) {
    const file = blobs.read(segment.blobId, start, end);
    try {
      for await (const chunk of file) yield chunk as Buffer;
    } finally {
      file.destroy();
    }
    return;
  }
  const context = segmentContext(source.bucket, source.key, segment.uploadId, segment.partNumber, segment.blobId);
  const span = storedSpanForRange(segment.size, start, end);
  const header = await blobs.readAt(segment.blobId, 0, HEADER_SIZE);
  const decrypt = createDecryptStream({ dataKey, context, plainSize: segment.size, range: { start, end }, header });
  const file = blobs.read(segment.blobId, span.offset, span.offset + span.length - 1);
  file.on('error', (error) => decrypt.destroy(error));
  file.pipe(decrypt);
  try {
    for await (const chunk of decrypt) yield chunk as Buffer;
  } finally {
    file.destroy();
    decrypt.destroy();
    dataKey.fill(0);
  }
}

/**
 * A Readable of plaintext bytes `range.start..range.end` (inclusive; the whole object without a range). Each
 * segment's data key is unsealed when the stream reaches it; a damaged package or key fails the stream
 * (DataIntegrityError / KeyUnsealError) before any unauthenticated byte is emitted.
 */
export function createObjectStream(blobs: BlobStore, keys: DataKeys, source: ObjectSource, range?: { start: number; end: number }): Readable {
  const total = source.segments.reduce((sum, segment) => sum + segment.size, 0);
  const start = range?.start ?? 0;
  const end = range?.end ?? total - 1;
  async function* generate(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const segment of source.segments) {
      const first = offset;
      const last = offset + segment.size - 1;
      offset += segment.size;
      if (segment.size === 0 || last < start || first > end) continue;
      yield* segmentBytes(blobs, keys, source, segment, Math.max(start, first) - first, Math.min(end, last) - first);
    }
  }
  // The blobs stay on disk until this stream closes, even if the object is replaced or deleted meanwhile.
  const release = blobs.retain(source.segments.map((segment) => segment.blobId));
  const stream = Readable.from(generate(), { objectMode: false, highWaterMark: 256 * 1024 });
  stream.once('close', release);
  return stream;
}
