/** DELETE Object and DELETE Multiple Objects (chunked to 1000 keys per request). */
import { createHash } from 'node:crypto';
import { CosError } from '../protocol/cosError.ts';
import { buildDeleteRequest, MAX_DELETE_OBJECTS, parseDeleteResult, type DeleteErrorEntry } from '../protocol/xml.ts';
import { bufferBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** Outcome of {@link deleteObjects}: keys deleted, and per-key failures. */
export interface DeleteObjectsResult {
  deleted: string[];
  errors: DeleteErrorEntry[];
}

/** Deletes one object; deleting a missing key succeeds (a missing bucket throws CosError `NoSuchBucket`). */
export async function deleteObject(transport: Transport, bucket: string, key: string, signal?: AbortSignal): Promise<void> {
  try {
    await transport.send({ operation: 'DELETE Object', method: 'DELETE', bucket, key, idempotent: true, signal });
  } catch (error) {
    if (error instanceof CosError && error.code === 'NoSuchKey') return;
    throw error;
  }
}

/** Deletes many objects with `POST /?delete`, at most 1000 per request, in order. */
export async function deleteObjects(transport: Transport, bucket: string, keys: readonly string[], signal?: AbortSignal): Promise<DeleteObjectsResult> {
  const result: DeleteObjectsResult = { deleted: [], errors: [] };
  for (let start = 0; start < keys.length; start += MAX_DELETE_OBJECTS) {
    const chunk = keys.slice(start, start + MAX_DELETE_OBJECTS);
    const xml = Buffer.from(buildDeleteRequest({ quiet: false, objects: chunk.map((key) => ({ key })) }));
    const parsed = await transport.send(
      {
        operation: 'DELETE Multiple Objects',
        method: 'POST',
        bucket,
        query: [['delete', '']],
        headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(xml).digest('base64') },
        body: bufferBody(xml),
        idempotent: true,
        signal,
      },
      (response) => parseDeleteResult(response.body),
    );
    result.deleted.push(...parsed.deleted.map((entry) => entry.key));
    result.errors.push(...parsed.errors);
  }
  return result;
}
