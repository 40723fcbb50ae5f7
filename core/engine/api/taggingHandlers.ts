/** Object tagging: PUT, GET and DELETE `?tagging` on the current version or on `versionId`. */
import { cosError } from '../../protocol/cosError.ts';
import { buildTagging, parseTagging, type ObjectTag } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { versionHeaders } from '../http/versionHeaders.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { checkedTags, readVersion, requestedVersionId } from './objectVersions.ts';

/** Replaces the tags of the addressed data version (no new version, Last-Modified unchanged); answers `status`. */
async function replaceTags(ctx: EngineContext, r: EngineRequest, tags: ObjectTag[], status: number): Promise<void> {
  const bucket = requireBucket(ctx, r);
  const target = readVersion(ctx, r, requestedVersionId(r), bucket.versioning);
  const changed = await ctx.index.commit(() => ctx.index.versions.setTags(r.bucket, r.key, target.versionId, tags));
  if (!changed) throw cosError('NoSuchKey', 'The object version was deleted meanwhile.');
  sendEmpty(r, status, versionHeaders(target, bucket.versioning, r.amz));
}

/** PUT `?tagging`: replaces the whole tag set (InvalidTag / InvalidArgument beyond 10 tags, 128/256 characters). */
export async function putObjectTagging(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  const tags = checkedTags(r, parseTagging(await readSmallBody(r)));
  await replaceTags(ctx, r, tags, 200);
}

/** GET `?tagging`: the tag set sorted by key; an untagged version answers an empty `TagSet`. */
export function getObjectTagging(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const target = readVersion(ctx, r, requestedVersionId(r), bucket.versioning);
  sendXml(r, 200, buildTagging(target.tags), versionHeaders(target, bucket.versioning, r.amz));
}

/** DELETE `?tagging`: removes every tag; 204. */
export async function deleteObjectTagging(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  await readSmallBody(r);
  await replaceTags(ctx, r, [], 204);
}
