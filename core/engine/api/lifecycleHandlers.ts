/** Bucket lifecycle: PUT, GET and DELETE `/?lifecycle` (the engine's lifecycle sweep enforces the stored rules). */
import { cosError } from '../../protocol/cosError.ts';
import { buildLifecycleConfiguration, parseLifecycleConfiguration, type LifecycleRule } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';

/** PUT `?lifecycle`: replaces the configuration. Transitions are refused (NotImplemented): the engine has one storage class. */
export async function putLifecycle(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const rules = parseLifecycleConfiguration(await readSmallBody(r));
  if (rules.some((rule) => rule.transition)) {
    throw cosError('NotImplemented', 'The local engine has a single storage class; Transition and NoncurrentVersionTransition are not supported.');
  }
  await ctx.index.commit(() => ctx.index.setBucketLifecycle(r.bucket, JSON.stringify(rules)));
  sendEmpty(r, 200);
}

/** GET `?lifecycle`: the rules, or 404 NoSuchLifecycleConfiguration. */
export function getLifecycle(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  if (bucket.lifecycle === null) throw cosError('NoSuchLifecycleConfiguration');
  sendXml(r, 200, buildLifecycleConfiguration(JSON.parse(bucket.lifecycle) as LifecycleRule[]));
}

/** DELETE `?lifecycle`: 204 (also when none was configured). */
export async function deleteLifecycle(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  await ctx.index.commit(() => ctx.index.setBucketLifecycle(r.bucket, null));
  sendEmpty(r, 204);
}
