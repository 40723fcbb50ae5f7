/** POST `/?delete`: DELETE Multiple Objects (≤ 1000 keys, optional version ids, Quiet mode). */
import { CosError } from '../../protocol/cosError.ts';
import { buildDeleteResult, parseDeleteRequest, type DeleteResult, type DeleteTarget } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import { validateKey, type EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { deletedEntry, deleteVersion, noSuchVersion } from './objectVersions.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { deleteKeyRefusal } from './requestAccess.ts';
import { isVersionId } from '../storage/objectVersions.ts';

async function deleteTarget(ctx: EngineContext, r: EngineRequest, target: DeleteTarget): Promise<ReturnType<typeof deletedEntry>> {
  validateKey(target.key);
  if (target.versionId !== undefined && !isVersionId(target.versionId)) throw noSuchVersion(r.amz);
  const refusal = deleteKeyRefusal(ctx, r, target.key);
  if (refusal) throw refusal;
  return deletedEntry(target.key, await deleteVersion(ctx, r.bucket, target.key, target.versionId), target.versionId);
}

/**
 * Deletes every named key or version as a single DELETE would (missing ones count as deleted; markers where
 * versioning was configured); invalid keys and version ids, and keys a bucket policy protects, are reported per entry.
 */
export async function deleteObjects(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const request = parseDeleteRequest(await readSmallBody(r));
  const result: DeleteResult = { deleted: [], errors: [] };
  // The commits queue in one turn of the event loop, so they share one group commit, each in its own savepoint.
  const outcomes = await Promise.allSettled(request.objects.map((target) => deleteTarget(ctx, r, target)));
  outcomes.forEach((outcome, index) => {
    const target = request.objects[index]!;
    if (outcome.status === 'fulfilled') {
      if (!request.quiet) result.deleted.push(outcome.value);
      return;
    }
    const error = outcome.reason as unknown;
    const code = error instanceof CosError ? error.code : 'InternalError';
    result.errors.push({ key: target.key, versionId: target.versionId, code, message: error instanceof CosError ? (error.serverMessage ?? code) : 'Internal error.' });
  });
  sendXml(r, 200, buildDeleteResult(result));
}
