/** Decides which parts of a persisted multipart session can be kept: still stored on the server and still the file's bytes. */
import { Crc64Hasher } from '../protocol/crc64.ts';
import { CosError } from '../protocol/cosError.ts';
import { quoteEtag } from '../protocol/xml.ts';
import { abortMultipartUpload, listParts, type UploadedPart } from './multipart.ts';
import { readFileRange } from './requestBody.ts';
import type { Transport } from './transport.ts';

/**
 * Returns the resumable parts by number, or undefined when the session must start over: the upload is gone
 * (`NoSuchUpload`), a recorded part is missing on the server or listed with another ETag or size, its size does
 * not fit `partSize`, or the file's bytes no longer have the recorded CRC-64. A session that exists but does not
 * match is aborted (best effort) so it does not linger.
 */
export async function validResumedParts(
  transport: Transport,
  bucket: string,
  key: string,
  filePath: string,
  size: number,
  resume: { uploadId: string; partSize: number; parts: UploadedPart[] },
  signal?: AbortSignal,
): Promise<Map<number, UploadedPart> | undefined> {
  let listed;
  try {
    listed = new Map((await listParts(transport, bucket, key, resume.uploadId, signal)).map((part) => [part.partNumber, part]));
  } catch (error) {
    if (error instanceof CosError && error.code === 'NoSuchUpload') return undefined;
    throw error;
  }
  const partCount = Math.max(1, Math.ceil(size / resume.partSize));
  const kept = new Map<number, UploadedPart>();
  let valid = resume.partSize >= 1024 * 1024 && Math.ceil(size / resume.partSize) <= 10_000;
  for (const part of resume.parts) {
    if (!valid) break;
    const server = listed.get(part.partNumber);
    const offset = (part.partNumber - 1) * resume.partSize;
    const expectedSize = Math.min(resume.partSize, size - offset);
    if (!server || part.partNumber > partCount || quoteEtag(server.etag) !== quoteEtag(part.etag) || server.size !== part.size || part.size !== expectedSize) {
      valid = false;
      break;
    }
    // The file must still hold the bytes that were sent: a changed file would otherwise mix old and new parts.
    const bytes = await readFileRange(filePath, offset, part.size);
    if (new Crc64Hasher().update(bytes).digestString() !== part.crc64) valid = false;
    else kept.set(part.partNumber, part);
  }
  if (valid) return kept;
  await abortMultipartUpload(transport, bucket, key, resume.uploadId, signal).catch(() => undefined);
  return undefined;
}
