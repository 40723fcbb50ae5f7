/** encryptObject: one plaintext object copied onto itself with the SSE header, conditional on its ETag, then verified. */
import { isDeepStrictEqual } from 'node:util';
import { CosSyncError } from '../common/errors.ts';
import { concurrentEach } from '../common/concurrentEach.ts';
import type { ObjectInfo } from '../cos/objectInfo.ts';
import { CosError } from '../protocol/cosError.ts';
import { describeEncryption, encryptionSatisfies, type SseRequest } from '../protocol/serverSideEncryption.ts';
import type { EncryptJournal, JournalEntry } from './encryptJournal.ts';
import type { BackupClient } from './storedEncryption.ts';

/** How one object is copied. */
export interface EncryptSettings {
  bucket: string;
  sse: Exclude<SseRequest, { mode: 'none' } | { mode: 'customer' }>;
  /** Objects above this size are copied with multipart Upload Part - Copy (COS: 5 GB for one copy). */
  singleCopyLimit: number;
  /** Part size of multipart copies. */
  partSize: number;
  /** Parts copied at once. */
  partConcurrency: number;
  journal: EncryptJournal;
  signal?: AbortSignal;
}

/** The outcome of one object. */
export type EncryptOutcome = { outcome: 'encrypted'; info: ObjectInfo; crc64Verified: boolean } | { outcome: 'skipped'; reason: string };

/** A copy's precondition failed: the object changed between HEAD and copy. */
function isChanged(error: unknown): boolean {
  return error instanceof CosError && (error.status === 412 || error.code === 'PreconditionFailed');
}

/** The content description a self-copy must send again (COS applies `Replaced` metadata only). */
function description(info: ObjectInfo): { contentType?: string; metadata: Record<string, string>; contentHeaders: Record<string, string>; storageClass?: string } {
  return {
    ...(info.contentType ? { contentType: info.contentType } : {}),
    metadata: info.metadata,
    contentHeaders: info.contentHeaders,
    ...(info.storageClass ? { storageClass: info.storageClass } : {}),
  };
}

async function multipartCopy(client: BackupClient, settings: EncryptSettings, info: ObjectInfo, entry: JournalEntry | undefined): Promise<void> {
  const { bucket, journal, signal } = settings;
  const key = info.key;
  let upload = entry?.upload;
  if (!upload || upload.partSize !== settings.partSize) {
    const started = await client.initiateMultipartUpload(bucket, key, { sse: settings.sse, ...description(info), ...(signal ? { signal } : {}) });
    await journal.append({ t: 'upload', key, uploadId: started.uploadId, partSize: settings.partSize });
    upload = journal.entries.get(key)!.upload!;
  }
  const session = upload;
  const parts = Math.max(1, Math.ceil(info.size / session.partSize));
  const missing = Array.from({ length: parts }, (_, index) => index + 1).filter((partNumber) => !session.parts.has(partNumber));
  try {
    await concurrentEach(missing, settings.partConcurrency, async (partNumber) => {
      const start = (partNumber - 1) * session.partSize;
      const end = Math.min(info.size, start + session.partSize) - 1;
      const part = await client.uploadPartCopy(bucket, key, session.uploadId, partNumber, { key }, { range: { start, end }, sourceIfMatch: info.etag, ...(signal ? { signal } : {}) });
      await journal.append({ t: 'part', key, partNumber, etag: part.etag });
    }, signal);
    // Complete has no source condition: look once more, so a write that landed during the part copies is not clobbered.
    const now = await client.headObject(bucket, key, signal ? { signal } : {});
    if (now.etag !== info.etag) throw new CosError({ code: 'PreconditionFailed', status: 412 });
    const list = [...session.parts.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
    await client.completeMultipartUpload(bucket, key, session.uploadId, list, { sse: settings.sse, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isChanged(error) || (error instanceof CosError && error.code === 'NoSuchUpload')) {
      await client.abortMultipartUpload(bucket, key, session.uploadId).catch(() => undefined);
      await journal.append({ t: 'reset', key });
    }
    throw error;
  }
}

/** Compares the HEAD after the copy with the HEAD before it; returns what differs, or undefined. */
export function verifyCopy(before: ObjectInfo, after: ObjectInfo, sse: SseRequest): string | undefined {
  if (!encryptionSatisfies(sse, after.encryption)) return `the server reports ${describeEncryption(after.encryption)} after the copy`;
  if (after.size !== before.size) return `the size changed from ${before.size} to ${after.size}`;
  if (before.crc64 !== undefined && after.crc64 !== before.crc64) return `the CRC-64 changed from ${before.crc64} to ${after.crc64 ?? 'none'}`;
  if ((after.contentType ?? '') !== (before.contentType ?? '')) return `Content-Type changed from '${before.contentType ?? ''}' to '${after.contentType ?? ''}'`;
  if (!isDeepStrictEqual(after.metadata, before.metadata)) return 'the x-cos-meta-* metadata changed';
  if (!isDeepStrictEqual(after.contentHeaders, before.contentHeaders)) return 'the stored headers (Cache-Control, Content-Disposition, …) changed';
  if ((after.storageClass ?? 'STANDARD') !== (before.storageClass ?? 'STANDARD')) return `the storage class changed from ${before.storageClass} to ${after.storageClass}`;
  return undefined;
}

/**
 * Encrypts one plaintext object (its HEAD is `info`) in place: a self-copy with the SSE header and
 * `x-cos-metadata-directive: Replaced` carrying everything the HEAD showed, conditional on its ETag; above
 * `singleCopyLimit` a multipart Upload Part - Copy, each part conditional, resumed from the journal. An object
 * that changed meanwhile is skipped (never clobbered). After the copy a HEAD must confirm the encryption, CRC-64
 * and metadata (CosSyncError `EncryptUnverified` otherwise). A refusal of the SSE header is thrown as is: the
 * copy is never retried without it.
 */
export async function encryptObject(client: BackupClient, settings: EncryptSettings, info: ObjectInfo): Promise<EncryptOutcome> {
  const { bucket, journal, signal } = settings;
  const key = info.key;
  const entry = journal.entries.get(key);
  const resumable = entry?.begin?.etag === info.etag ? entry : undefined;
  if (entry?.upload && !resumable) {
    await client.abortMultipartUpload(bucket, key, entry.upload.uploadId).catch(() => undefined);
    await journal.append({ t: 'reset', key });
  }
  if (!resumable) await journal.append({ t: 'begin', key, etag: info.etag, size: info.size, ...(info.crc64 === undefined ? {} : { crc64: info.crc64 }) });
  try {
    if (info.size > settings.singleCopyLimit) await multipartCopy(client, settings, info, resumable);
    else {
      await client.copyObject(bucket, key, { key }, { sse: settings.sse, metadataDirective: 'Replaced', sourceIfMatch: info.etag, ...description(info), ...(signal ? { signal } : {}) });
    }
  } catch (error) {
    if (isChanged(error)) {
      await journal.append({ t: 'reset', key });
      return { outcome: 'skipped', reason: 'it changed after it was checked (ETag differs); it was left as the other writer stored it' };
    }
    throw error;
  }
  const after = await client.headObject(bucket, key, signal ? { signal } : {});
  const problem = verifyCopy(info, after, settings.sse);
  if (problem) throw new CosSyncError('EncryptUnverified', `'${key}' was copied, but ${problem}.`, { retry: 'fatal', hint: 'Check the object; run the audit again to see how it is stored now.' });
  await journal.append({ t: 'done', key, etag: after.etag });
  return { outcome: 'encrypted', info: after, crc64Verified: info.crc64 !== undefined };
}
