/** Service and bucket APIs: list buckets, PUT/HEAD/DELETE bucket, `?acl`, `?encryption`, `?location`. */
import { cosError } from '../../protocol/cosError.ts';
import { bucketAppId, isValidBucketName } from '../../protocol/bucketHost.ts';
import { buildEncryptionConfiguration, buildListBucketsResult, parseEncryptionConfiguration } from '../../protocol/xml.ts';
import { buildXml } from '../../protocol/xmlCodec.ts';
import type { EngineContext } from './engineContext.ts';
import { BUCKET_NAME_RULE, type EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { drainBody, readSmallBody } from '../http/requestBody.ts';
import { bucketDefault, firstHeader, type BucketDefault } from '../http/sseRequest.ts';
import { isValidKeyId } from '../../crypto/index.ts';

/** Most buckets one engine holds (COS's per-account limit). */
export const MAX_BUCKETS = 200;

const ACLS = new Set(['private', 'public-read', 'public-read-write', 'default', 'authenticated-read']);

/** The account of the engine's key pair as it owns S3-named buckets (COS-named buckets belong to their APPID). */
export const ENGINE_ACCOUNT = 'local';

/** The account that owns a bucket: the APPID of a `name-APPID` bucket, else {@link ENGINE_ACCOUNT}. */
export function accountOf(bucket: string): string {
  return bucketAppId(bucket) ?? ENGINE_ACCOUNT;
}

/** The owner of a bucket as listings and ACLs show it. */
export function ownerOf(bucket: string): { id: string; displayName: string } {
  const account = accountOf(bucket);
  return { id: `qcs::cam::uin/${account}:uin/${account}`, displayName: account };
}

function requestedAcl(r: EngineRequest): string | undefined {
  const acl = firstHeader(r.req.headers, 'x-cos-acl', 'x-amz-acl');
  if (acl !== undefined && !ACLS.has(acl)) throw cosError('InvalidArgument', `The ACL '${acl}' is not supported.`);
  return acl === 'default' || acl === 'authenticated-read' ? 'private' : acl;
}

/** GET Service: every bucket. */
export function listBuckets(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const buckets = ctx.index.listBuckets().map((bucket) => ({ name: bucket.name, location: ctx.region, creationDate: new Date(bucket.created).toISOString() }));
  sendXml(r, 200, buildListBucketsResult({ owner: { id: `qcs::cam::uin/${ENGINE_ACCOUNT}:uin/${ENGINE_ACCOUNT}`, displayName: ENGINE_ACCOUNT }, buckets }));
}

/** PUT Bucket (optionally `x-cos-acl: public-read`); 409 BucketAlreadyOwnedByYou when it exists. */
export async function putBucket(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  if (!isValidBucketName(r.bucket)) throw cosError('InvalidBucketName', BUCKET_NAME_RULE);
  const acl = requestedAcl(r) ?? 'private';
  await drainBody(r);
  if (!ctx.index.getBucket(r.bucket) && ctx.index.listBuckets().length >= MAX_BUCKETS) throw cosError('TooManyBuckets');
  if (!ctx.index.createBucket(r.bucket, ctx.clock.now(), acl)) throw cosError('BucketAlreadyOwnedByYou');
  sendEmpty(r, 200, { Location: `/${r.bucket}` });
}

/** HEAD Bucket. */
export function headBucket(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  sendEmpty(r, 200, { 'x-cos-bucket-region': ctx.region });
}

/** DELETE Bucket: BucketNotEmpty while objects or uploads remain. */
export function deleteBucket(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  ctx.index.transaction(() => {
    if (ctx.index.bucketInUse(r.bucket)) throw cosError('BucketNotEmpty');
    ctx.index.deleteBucket(r.bucket);
  });
  sendEmpty(r, 204);
}

/** PUT `?acl`: the `x-cos-acl` header, or a body granting READ to AllUsers, makes the bucket public-read; else private. */
export async function putBucketAcl(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  let acl = requestedAcl(r);
  const body = await readSmallBody(r);
  if (acl === undefined) acl = /AllUsers[\s\S]*?<Permission>\s*(READ|FULL_CONTROL)\s*<\/Permission>/.test(body.toString('utf8')) ? 'public-read' : 'private';
  ctx.index.setBucketAcl(r.bucket, acl);
  sendEmpty(r, 200);
}

/** GET `?acl` (bucket or object): a minimal AccessControlPolicy. */
export function getAcl(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const bucket = requireBucket(ctx, r);
  const owner = ownerOf(bucket.name);
  const grants: { Grantee: Record<string, string>; Permission: string }[] = [{ Grantee: { ID: owner.id, DisplayName: owner.displayName }, Permission: 'FULL_CONTROL' }];
  if (bucket.acl.startsWith('public-read')) grants.push({ Grantee: { URI: 'http://cam.qcloud.com/groups/global/AllUsers' }, Permission: 'READ' });
  const xml = buildXml('AccessControlPolicy', { Owner: { ID: owner.id, DisplayName: owner.displayName }, AccessControlList: { Grant: grants } });
  // The builder writes no attributes, but COS (doc 436/7733) and S3 clients such as s3cmd require xsi:type on every Grantee.
  sendXml(r, 200, xml.replace(/<Grantee><(ID|URI)>/g, (_match, first: string) =>
    `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="${first === 'URI' ? 'Group' : 'CanonicalUser'}"><${first}>`));
}

/** GET `?location`. */
export function getLocation(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  sendXml(r, 200, buildXml('LocationConstraint', { '#text': ctx.region }));
}

/** PUT `?encryption`: AES256 or cos/kms (both rule element names); an empty configuration removes the default. */
export async function putBucketEncryption(ctx: EngineContext, r: EngineRequest): Promise<void> {
  requireSigned(r);
  requireBucket(ctx, r);
  const configuration = parseEncryptionConfiguration(await readSmallBody(r));
  const rule = configuration.rules[0];
  let stored: BucketDefault | undefined;
  if (rule) {
    if (rule.sseAlgorithm === 'AES256') stored = { algorithm: 'AES256' };
    else if (rule.sseAlgorithm === 'cos/kms' || rule.sseAlgorithm === 'aws:kms' || rule.sseAlgorithm === 'KMS') {
      if (rule.kmsMasterKeyId !== undefined && !isValidKeyId(rule.kmsMasterKeyId)) throw cosError('InvalidArgument', 'The KMS key id is not valid.');
      stored = rule.kmsMasterKeyId ? { algorithm: 'cos/kms', kmsKeyId: rule.kmsMasterKeyId } : { algorithm: 'cos/kms' };
    } else throw cosError('InvalidArgument', `The SSEAlgorithm '${rule.sseAlgorithm}' is not supported; use AES256 or cos/kms.`);
  }
  ctx.index.setBucketEncryption(r.bucket, stored ? JSON.stringify(stored) : null);
  sendEmpty(r, 200);
}

/** GET `?encryption`: the configuration, or 404 NoSuchEncryptionConfiguration. */
export function getBucketEncryption(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  const stored = bucketDefault(requireBucket(ctx, r).encryption);
  if (!stored) throw cosError('NoSuchEncryptionConfiguration');
  const rule = stored.kmsKeyId ? { sseAlgorithm: stored.algorithm, kmsMasterKeyId: stored.kmsKeyId } : { sseAlgorithm: stored.algorithm };
  sendXml(r, 200, buildEncryptionConfiguration({ rules: [rule] }));
}

/** DELETE `?encryption`: 204. */
export function deleteBucketEncryption(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  ctx.index.setBucketEncryption(r.bucket, null);
  sendEmpty(r, 204);
}
