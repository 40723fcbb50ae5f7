/** POST Object (HTML form upload): form policy check (expiration, conditions, signature), the bucket policy on the form fields, `${filename}` keys, SSE form fields. */
import type { IncomingHttpHeaders } from 'node:http';
import { CosError, cosError } from '../../protocol/cosError.ts';
import { verifyPostPolicy } from '../../protocol/cosSignature.ts';
import { checkCosTimeWindow, parseCosTimeWindow } from '../../protocol/cosTimeWindow.ts';
import { parseTagging } from '../../protocol/xml.ts';
import { buildXml } from '../../protocol/xmlCodec.ts';
import { versionHeaders } from '../http/versionHeaders.ts';
import { checkedTags, requestTags } from './objectVersions.ts';
import { contentFromHeaders } from '../http/contentHeaders.ts';
import type { EngineContext } from './engineContext.ts';
import { validateKey, type EngineRequest } from '../http/engineRequest.ts';
import { sendEmpty, sendXml } from '../http/engineResponse.ts';
import { formBoundary, readFormUpload } from '../http/formData.ts';
import { requireBucket } from './objectHandlers.ts';
import { MAX_SKEW_SECONDS } from '../http/requestAuth.ts';
import { policyAction } from '../policy/policyActions.ts';
import { authorize } from './requestAccess.ts';
import { commitObject, writeSegment } from '../content/segmentWriter.ts';
import { bucketDefault, parseWriteSse, resolveWriteSse, sseResponseHeaders } from '../http/sseRequest.ts';

const policyDenied = (message: string): CosError => cosError('AccessDenied', `Invalid according to Policy: ${message}`);

interface Policy {
  expiration: number;
  conditions: unknown[];
}

function parsePolicy(base64: string): { text: Buffer; policy: Policy } {
  const text = Buffer.from(base64, 'base64');
  let parsed: { expiration?: unknown; conditions?: unknown };
  try {
    parsed = JSON.parse(text.toString('utf8')) as typeof parsed;
  } catch {
    throw cosError('InvalidPolicyDocument', 'The policy is not base64 of a JSON document.');
  }
  const expiration = typeof parsed.expiration === 'string' ? Date.parse(parsed.expiration) : Number.NaN;
  if (Number.isNaN(expiration) || !Array.isArray(parsed.conditions)) throw cosError('InvalidPolicyDocument', 'The policy needs an ISO 8601 expiration and a conditions list.');
  return { text, policy: { expiration, conditions: parsed.conditions } };
}

/**
 * Checks the policy conditions against the form; returns the content-length-range, if any. A `q-sign-time`
 * condition names the signature's key time: forms that follow the COS documentation send it as `q-key-time` only.
 */
function checkConditions(policy: Policy, values: Map<string, string>): { min: number; max: number } | undefined {
  let range: { min: number; max: number } | undefined;
  const valueOf = (field: string): string => {
    const name = field.replace(/^\$/, '').toLowerCase();
    return values.get(name) ?? (name === 'q-sign-time' ? values.get('q-key-time') : undefined) ?? '';
  };
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      const [operator, field, expected] = condition as [unknown, unknown, unknown];
      const op = String(operator).toLowerCase();
      if (op === 'content-length-range') range = { min: Number(field), max: Number(expected) };
      else if (op === 'eq' && valueOf(String(field)) !== String(expected)) throw policyDenied(`${String(field)} must equal "${String(expected)}".`);
      else if (op === 'starts-with' && !valueOf(String(field)).startsWith(String(expected))) throw policyDenied(`${String(field)} must start with "${String(expected)}".`);
      else if (op !== 'eq' && op !== 'starts-with' && op !== 'content-length-range') throw cosError('InvalidPolicyDocument', `Unknown policy condition ${op}.`);
    } else if (condition && typeof condition === 'object') {
      for (const [field, expected] of Object.entries(condition)) {
        if (valueOf(field) !== String(expected)) throw policyDenied(`${field} must equal "${String(expected)}".`);
      }
    } else throw cosError('InvalidPolicyDocument', 'A policy condition is not an object or a list.');
  }
  return range;
}

const UNSIGNED_FORM = 'The form must carry policy, q-ak, q-key-time and q-signature.';

/**
 * Checks the form's policy signature; returns who signed (the form's q-ak, else the request's own signer, else
 * undefined for an unsigned form, which a bucket policy may still allow) and the content-length-range.
 */
function verifySignature(ctx: EngineContext, r: EngineRequest, fields: Map<string, string>, values: Map<string, string>): { signer: string | undefined; range: { min: number; max: number } | undefined } {
  const policyText = fields.get('policy');
  const signature = fields.get('q-signature') ?? fields.get('signature');
  const secretId = fields.get('q-ak');
  const keyTime = fields.get('q-key-time') ?? fields.get('q-sign-time');
  if (policyText === undefined && (r.auth.kind !== 'anonymous' || (signature === undefined && secretId === undefined && keyTime === undefined))) {
    return { signer: r.auth.kind === 'anonymous' ? undefined : r.auth.secretId, range: undefined };
  }
  if (!policyText || !signature || !secretId || !keyTime) throw cosError('AccessDenied', UNSIGNED_FORM);
  const algorithm = fields.get('q-sign-algorithm');
  if (algorithm !== undefined && algorithm.toLowerCase() !== 'sha1') throw cosError('AccessDenied', 'Only q-sign-algorithm=sha1 is supported.');
  const secretKey = ctx.lookupSecret(secretId);
  if (secretKey === undefined) throw cosError('InvalidAccessKeyId');
  const { text, policy } = parsePolicy(policyText);
  // The SignKey is derived from q-key-time and the signature covers the policy text, so neither the window nor the
  // expiration can be edited: check the signature first, then both times against the clock.
  if (!verifyPostPolicy(text, secretKey, keyTime, signature)) throw cosError('SignatureDoesNotMatch');
  const window = parseCosTimeWindow(keyTime);
  if (!window) throw cosError('AccessDenied', 'q-key-time is malformed; expected start;end in Unix seconds.');
  const now = ctx.clock.now();
  const late = checkCosTimeWindow(window, Math.floor(now / 1000), MAX_SKEW_SECONDS, true);
  if (late) throw cosError(late.code, late.message);
  if (policy.expiration < now) throw cosError('AccessDenied', 'Request has expired');
  return { signer: secretId, range: checkConditions(policy, values) };
}

/** POST Object. Responds 204 (default), 200, 201 (with a PostResponse document) or 303 to `success_action_redirect`. */
export async function postObject(ctx: EngineContext, r: EngineRequest): Promise<void> {
  const boundary = formBoundary(r.req.headers['content-type']);
  const bucket = requireBucket(ctx, r);
  const form = await readFormUpload(r.req, boundary);
  const rawKey = form.fields.get('key');
  if (!rawKey) throw cosError('InvalidArgument', 'The form must carry a key field.');
  const key = rawKey.replaceAll('${filename}', form.filename);
  validateKey(key);
  const values = new Map(form.fields);
  values.set('key', key);
  values.set('bucket', r.bucket);
  const { signer, range } = verifySignature(ctx, r, form.fields, values);
  // Form fields play the role of request headers (Content-Type, metadata, SSE), for the bucket policy too.
  const formHeaders: IncomingHttpHeaders = {};
  for (const [name, value] of form.fields) formHeaders[name] = value;
  authorize(ctx, r, [{ bucket: r.bucket, key, action: policyAction('PostObject'), headers: () => formHeaders }], signer);
  if (signer === undefined && !r.grantedByPolicy) throw cosError('AccessDenied', UNSIGNED_FORM);
  const content = contentFromHeaders(formHeaders, key);
  const sse = resolveWriteSse(parseWriteSse(formHeaders), bucketDefault(bucket.encryption));
  const taggingXml = form.fields.get('tagging');
  const tags = taggingXml === undefined ? requestTags(r, formHeaders) : checkedTags(r, parseTagging(taggingXml));
  const md5Field = form.fields.get('content-md5');
  const written = await writeSegment(ctx, {
    bucket: r.bucket, key, uploadId: null, partNumber: 0, record: sse.record, customerKey: sse.customerKey, source: form.file,
    check: (result) => {
      if (range && (result.size < range.min || result.size > range.max)) throw cosError(result.size < range.min ? 'EntityTooSmall' : 'EntityTooLarge');
      if (md5Field && result.md5.toString('base64') !== md5Field) throw cosError('BadDigest');
    },
  });
  try {
    await form.drain();
    const { object, versioning } = await commitObject(ctx, {
      bucket: r.bucket, key, record: sse.record, content, etag: written.segment.md5, crc64: written.segment.crc64, tags,
    }, [written.segment]);
    const location = `http://${r.host}/${r.style === 'path' ? `${r.bucket}/` : ''}${encodeURI(key)}`;
    const headers = {
      ETag: `"${object.etag}"`, Location: location, 'x-cos-hash-crc64ecma': object.crc64, ...sseResponseHeaders(object, r.amz), ...versionHeaders(object, versioning, r.amz),
    };
    const redirect = form.fields.get('success_action_redirect');
    if (redirect) {
      const target = new URL(redirect);
      target.searchParams.set('bucket', r.bucket);
      target.searchParams.set('key', key);
      target.searchParams.set('etag', `"${object.etag}"`);
      sendEmpty(r, 303, { ...headers, Location: target.toString() });
      return;
    }
    const status = Number(form.fields.get('success_action_status') ?? '204');
    if (status === 201) sendXml(r, 201, buildXml('PostResponse', { Location: location, Bucket: r.bucket, Key: key, ETag: `"${object.etag}"` }), headers);
    else sendEmpty(r, status === 200 ? 200 : 204, headers);
  } finally {
    written.release();
  }
}
