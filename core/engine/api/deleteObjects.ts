/** POST `/?delete`: DELETE Multiple Objects (≤ 1000 keys, Quiet mode). */
import { CosError } from '../../protocol/cosError.ts';
import { buildDeleteResult, parseDeleteRequest, type DeleteResult } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import { validateKey, type EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { deleteKeyRefusal } from './requestAccess.ts';

/** Deletes every named key (missing keys count as deleted); invalid keys and keys a bucket policy protects are reported per entry. */
export async function deleteObjects(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const request = parseDeleteRequest(await readSmallBody(r));
  const result: DeleteResult = { deleted: [], errors: [] };
  const removed: string[] = [];
  // One group commit for the whole request: every key in its own savepoint.
  const outcomes = await Promise.allSettled(request.objects.map((target) => {
    try {
      validateKey(target.key);
    } catch (error) {
      return Promise.reject(error);
    }
    const refusal = deleteKeyRefusal(ctx, r, target.key);
    if (refusal) return Promise.reject(refusal);
    return ctx.index.commit(() => ctx.index.removeObject(r.bucket, target.key));
  }));
  outcomes.forEach((outcome, index) => {
    const target = request.objects[index]!;
    if (outcome.status === 'fulfilled') {
      removed.push(...outcome.value);
      if (!request.quiet) result.deleted.push({ key: target.key });
      return;
    }
    const error = outcome.reason as unknown;
    const code = error instanceof CosError ? error.code : 'InternalError';
    result.errors.push({ key: target.key, code, message: error instanceof CosError ? (error.serverMessage ?? code) : 'Internal error.' });
  });
  await ctx.blobs.remove(removed);
  sendXml(r, 200, buildDeleteResult(result));
}
