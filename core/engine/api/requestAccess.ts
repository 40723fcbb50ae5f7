/** Access decisions: the policy action(s) of each request, its bucket policy, and how they combine with the owner and ACL rules (POLICY.md). */
import type { IncomingHttpHeaders } from 'node:http';
import { cosError, type CosError } from '../../protocol/cosError.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { policyConditions } from '../http/policyConditions.ts';
import { firstHeader, sseResponseHeaders } from '../http/sseRequest.ts';
import { policyResource, signedPrincipals, type PolicyDecision, type PolicyRequest } from '../policy/bucketPolicy.ts';
import { evaluatePolicy } from '../policy/evaluatePolicy.ts';
import { policyAction, type CosActionName, type PolicyAction } from '../policy/policyActions.ts';
import { accountOf, ENGINE_ACCOUNT } from './bucketHandlers.ts';
import { parseCopySource } from './copyObject.ts';
import type { EngineContext } from './engineContext.ts';

/** One thing a request does that a bucket policy may allow or deny. */
export interface AccessCheck {
  bucket: string;
  /** The object key, or undefined for a bucket-level action. */
  key: string | undefined;
  action: PolicyAction;
  /**
   * The headers the condition values come from ({@link policyConditions}); default: the request's own. A function,
   * so that buckets without a policy never pay for building them.
   */
  headers?: () => IncomingHttpHeaders;
}

type ActionTable = Readonly<Record<string, readonly (readonly [subresource: string, action: CosActionName])[]>>;

// Method → sub-resources in priority order ('' = none of them). Mirrors routes.ts; a sub-resource missing here gets a
// name no statement can spell (see actionFor), so only `*` patterns reach it.
const bucketActions: ActionTable = {
  PUT: [['acl', 'PutBucketACL'], ['encryption', 'PutBucketEncryption'], ['policy', 'PutBucketPolicy'], ['versioning', 'PutBucketVersioning'],
    ['lifecycle', 'PutBucketLifecycle'], ['tagging', 'PutBucketTagging'], ['', 'PutBucket']],
  GET: [['acl', 'GetBucketACL'], ['encryption', 'GetBucketEncryption'], ['policy', 'GetBucketPolicy'], ['uploads', 'ListMultipartUploads'],
    ['location', 'GetBucketLocation'], ['versioning', 'GetBucketVersioning'], ['versions', 'GetBucketObjectVersions'], ['lifecycle', 'GetBucketLifecycle'],
    ['tagging', 'GetBucketTagging'], ['', 'GetBucket']],
  HEAD: [['', 'HeadBucket']],
  DELETE: [['encryption', 'DeleteBucketEncryption'], ['policy', 'DeleteBucketPolicy'], ['lifecycle', 'DeleteBucketLifecycle'], ['tagging', 'DeleteBucketTagging'],
    ['', 'DeleteBucket']],
};
const objectActions: ActionTable = {
  PUT: [['uploadId', 'UploadPart'], ['partNumber', 'UploadPart'], ['acl', 'PutObjectACL'], ['tagging', 'PutObjectTagging'], ['', 'PutObject']],
  GET: [['uploadId', 'ListParts'], ['acl', 'GetObjectACL'], ['tagging', 'GetObjectTagging'], ['', 'GetObject']],
  HEAD: [['', 'HeadObject']],
  DELETE: [['uploadId', 'AbortMultipartUpload'], ['tagging', 'DeleteObjectTagging'], ['', 'DeleteObject']],
  POST: [['uploads', 'InitiateMultipartUpload'], ['uploadId', 'CompleteMultipartUpload']],
};

// Sub-resource names of the COS/S3 APIs (as opposed to ordinary parameters such as prefix or versionId).
const subresources = new Set(['acl', 'cors', 'delete', 'encryption', 'lifecycle', 'location', 'logging', 'policy', 'replication', 'restore', 'tagging',
  'uploads', 'uploadId', 'partNumber', 'versioning', 'versions', 'website', 'referer', 'domain', 'inventory', 'append', 'select', 'object-lock',
  'retention', 'legal-hold', 'accelerate', 'requestPayment', 'notification', 'analytics', 'metrics', 'intelligent-tiering', 'ownershipControls',
  'publicAccessBlock', 'attributes', 'torrent']);

const POLICY_APIS = new Set(['PutBucketPolicy', 'GetBucketPolicy', 'DeleteBucketPolicy']);

/** The action a request performs; an API the table does not know gets an unmatched name (e.g. `PUT?cors`) so only `*` patterns apply. */
function actionFor(r: EngineRequest): PolicyAction | undefined {
  const table = (r.key === '' ? bucketActions : objectActions)[r.method];
  if (!table) return undefined;
  const versioned = (r.params.get('versionId') ?? '') !== '';
  for (const [name, action] of table) if (name !== '' && r.params.has(name)) return policyAction(action, versioned);
  const unknown = [...r.params.keys()].find((name) => subresources.has(name));
  if (unknown !== undefined) return { cos: `${r.method}?${unknown}`, s3: `${r.method}?${unknown}` };
  const plain = table.find(([name]) => name === '');
  return plain ? policyAction(plain[1], versioned) : undefined;
}

/** The encryption the upload named by `?uploadId` was initiated with, as request headers (parts carry none for SSE-COS/KMS). */
function uploadEncryption(ctx: EngineContext, r: EngineRequest): IncomingHttpHeaders | undefined {
  const upload = ctx.index.getUpload(r.params.get('uploadId') ?? '');
  if (!upload || upload.bucket !== r.bucket || upload.key !== r.key) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(r.req.headers)) if (!name.includes('server-side-encryption')) headers[name] = value;
  return { ...headers, ...sseResponseHeaders(upload, false) };
}

/**
 * The checks of a request before dispatch: its own action on its bucket/key, plus GetObject on the source of a copy.
 * Parts and Complete are judged with the encryption of their upload (what Initiate was allowed with). POST Object and
 * POST ?delete are judged by their handlers, once the form fields or the key list are read.
 */
export function requestChecks(ctx: EngineContext, r: EngineRequest): AccessCheck[] {
  if (r.bucket === '' || (r.method === 'POST' && r.key === '')) return [];
  const copySource = r.method === 'PUT' && r.key !== '' ? firstHeader(r.req.headers, 'x-cos-copy-source', 'x-amz-copy-source') : undefined;
  let action = actionFor(r);
  if (!action) return [];
  if (copySource !== undefined && (action.cos === 'PutObject' || action.cos === 'UploadPart')) action = policyAction(action.cos === 'PutObject' ? 'PutObjectCopy' : 'UploadPartCopy');
  const checks: AccessCheck[] = [{ bucket: r.bucket, key: r.key === '' ? undefined : r.key, action }];
  if (action.cos === 'UploadPart' || action.cos === 'UploadPartCopy' || action.cos === 'CompleteMultipartUpload') {
    checks[0]!.headers = () => uploadEncryption(ctx, r) ?? r.req.headers;
  }
  if (copySource !== undefined) {
    const source = parseCopySource(copySource, (name) => ctx.index.getBucket(name) !== undefined);
    checks.push({ bucket: source.bucket, key: source.key, action: policyAction('GetObject', /[?&]versionId=[^&]/.test(copySource)) });
  }
  return checks;
}

/** The identities a policy sees: the account roots and key-pair user of a signed request, or `anonymous`. */
function principalsOf(bucket: string, secretId: string | undefined): string[] {
  if (secretId === undefined) return ['anonymous'];
  return signedPrincipals([...new Set([accountOf(bucket), ENGINE_ACCOUNT])], secretId);
}

function decide(ctx: EngineContext, r: EngineRequest, check: AccessCheck, secretId: string | undefined): PolicyDecision {
  const policy = ctx.policies.get(check.bucket);
  if (!policy) return { effect: 'none' };
  // The owner may always read, replace or delete the policy: a bad policy must not lock the bucket for good.
  const escape = secretId !== undefined && POLICY_APIS.has(check.action.cos);
  if ('unreadable' in policy) {
    if (escape) return { effect: 'none' };
    throw cosError('AccessDenied', `The stored bucket policy of ${check.bucket} can no longer be read (${policy.unreadable}); replace or delete it.`);
  }
  const request: PolicyRequest = {
    principals: principalsOf(check.bucket, secretId),
    action: check.action,
    resource: policyResource({ bucket: check.bucket, region: ctx.region, account: accountOf(check.bucket) }, check.key),
    conditions: policyConditions(r, check.headers?.()),
  };
  const decision = evaluatePolicy(policy, request);
  return decision.effect === 'deny' && escape ? { effect: 'none' } : decision;
}

function denied(bucket: string, sid: string | undefined, signed: boolean): CosError {
  // Signed callers (the owner) learn which statement; anonymous callers only that a policy said no.
  return cosError('AccessDenied', signed ? `Access denied by the bucket policy of ${bucket}${sid ? ` (statement "${sid}")` : ''}.` : 'Access denied by the bucket policy.');
}

/**
 * Applies the bucket policies to `checks`: an explicit Deny refuses the request (403 AccessDenied), for the owner
 * too; when every check is allowed by a statement, an anonymous request is marked `grantedByPolicy` (it then passes
 * `requireSigned`). Otherwise the engine's own rules stay: the owner's signed requests are allowed, anonymous ones
 * only what a public-read ACL gives. `secretId` is the signer (default: the request's own signature).
 */
export function authorize(ctx: EngineContext, r: EngineRequest, checks: readonly AccessCheck[], secretId = r.auth.kind === 'anonymous' ? undefined : r.auth.secretId): void {
  let granted = checks.length > 0;
  for (const check of checks) {
    const decision = decide(ctx, r, check, secretId);
    if (decision.effect === 'deny') throw denied(check.bucket, decision.sid, secretId !== undefined);
    if (decision.effect === 'none') granted = false;
  }
  if (granted && secretId === undefined) r.grantedByPolicy = true;
}

/** The pre-dispatch decision of a request (once, before its handler runs); throws AccessDenied. */
export function authorizeRequest(ctx: EngineContext, r: EngineRequest): void {
  authorize(ctx, r, requestChecks(ctx, r));
}

/** The decision for deleting one key of POST ?delete: undefined when allowed, else the AccessDenied to report for that key. */
export function deleteKeyRefusal(ctx: EngineContext, r: EngineRequest, key: string): CosError | undefined {
  try {
    authorize(ctx, r, [{ bucket: r.bucket, key, action: policyAction('DeleteMultipleObjects') }, { bucket: r.bucket, key, action: policyAction('DeleteObject') }]);
    return undefined;
  } catch (error) {
    if ((error as CosError).code === 'AccessDenied') return error as CosError;
    throw error;
  }
}
