/** Bucket versioning: GET and PUT `/?versioning` (Enabled, Suspended; never back to unversioned). */
import { buildVersioningConfiguration, parseVersioningConfiguration } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';

/** GET `?versioning`: the status, or `<VersioningConfiguration/>` for a bucket whose versioning was never configured. */
export function getVersioning(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  sendXml(r, 200, buildVersioningConfiguration(bucket.versioning ?? undefined));
}

/** PUT `?versioning`: Enabled or Suspended (MalformedXML otherwise); re-sending the current status changes nothing. */
export async function putVersioning(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const { status } = parseVersioningConfiguration(await readSmallBody(r));
  await ctx.index.commit(() => ctx.index.setBucketVersioning(r.bucket, status));
  sendEmpty(r, 200);
}
