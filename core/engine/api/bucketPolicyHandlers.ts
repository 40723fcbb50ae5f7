/** PUT / GET / DELETE `?policy`: the bucket policy stored verbatim (validated first: 400 MalformedPolicy with the reason; see policy/POLICY.md). */
import { cosError } from '../../protocol/cosError.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty } from '../http/engineResponse.ts';
import { readSmallBody } from '../http/requestBody.ts';
import { MAX_POLICY_BYTES, MalformedPolicyError, parseBucketPolicy } from '../policy/parseBucketPolicy.ts';
import type { EngineContext } from './engineContext.ts';
import { requireBucket } from './objectHandlers.ts';

/** The policy APIs need the owner's signature: no policy statement can hand them to anonymous callers. */
function requireOwner(r: EngineRequest): void {
  if (r.auth.kind === 'anonymous') throw cosError('AccessDenied', 'Only the bucket owner may read or change the bucket policy.');
}

/** PUT `?policy`: parses the JSON document for this bucket and stores it as sent; 204. */
export async function putBucketPolicy(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireOwner(r);
  requireBucket(ctx, r);
  // One byte over the limit is enough to tell "too large" from a cut-off document.
  const body = await readSmallBody(r, MAX_POLICY_BYTES + 1).catch((error: unknown) => {
    throw (error as { code?: string }).code === 'XMLSizeLimit' ? cosError('MalformedPolicy', `Policy exceeds the maximum allowed document size (${MAX_POLICY_BYTES} bytes).`) : error;
  });
  const text = body.toString('utf8');
  try {
    parseBucketPolicy(text, r.bucket);
  } catch (error) {
    if (error instanceof MalformedPolicyError) throw cosError('MalformedPolicy', error.message);
    throw error;
  }
  await ctx.index.commit(() => ctx.index.setBucketPolicy(r.bucket, text, ctx.clock.now()));
  sendEmpty(r, 204);
}

/** GET `?policy`: the document byte for byte as it was PUT, or 404 — `NoSuchBucketPolicy` to S3 (SigV4) clients, `NoSuchPolicy` to COS clients (the code the COS SDK looks for). */
export function getBucketPolicy(ctx: EngineContext, r: EngineRequest): void {
  requireOwner(r);
  requireBucket(ctx, r);
  const text = ctx.index.getBucketPolicy(r.bucket);
  if (text === undefined) throw cosError(r.amz ? 'NoSuchBucketPolicy' : 'NoSuchPolicy');
  const body = Buffer.from(text, 'utf8');
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
  r.res.end(body);
}

/** DELETE `?policy`: 204 whether or not there was one. */
export async function deleteBucketPolicy(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireOwner(r);
  requireBucket(ctx, r);
  await ctx.index.commit(() => ctx.index.setBucketPolicy(r.bucket, null, ctx.clock.now()));
  sendEmpty(r, 204);
}
