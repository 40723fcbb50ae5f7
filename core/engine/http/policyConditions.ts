/** The condition values a bucket policy sees for a request: SSE and other x-cos-/x-amz- headers (both spellings), transport, source IP, listing parameters. */
import type { IncomingHttpHeaders } from 'node:http';
import type { EngineRequest } from './engineRequest.ts';

// Never offered to a policy: secrets and signatures.
const hidden = new Set(['x-cos-server-side-encryption-customer-key', 'x-amz-server-side-encryption-customer-key',
  'x-cos-copy-source-server-side-encryption-customer-key', 'x-amz-copy-source-server-side-encryption-customer-key',
  'x-cos-security-token', 'x-amz-security-token', 'x-amz-signature', 'x-amz-credential']);

// Header names whose COS and S3 spellings differ beyond the prefix.
const cosToS3Name: Readonly<Record<string, string>> = { 'x-cos-server-side-encryption-cos-kms-key-id': 'x-amz-server-side-encryption-aws-kms-key-id' };
const s3ToCosName: Readonly<Record<string, string>> = { 'x-amz-server-side-encryption-aws-kms-key-id': 'x-cos-server-side-encryption-cos-kms-key-id' };

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)?.trim();

/** SSE algorithm values in each grammar: COS says `cos/kms`, S3 says `aws:kms`. */
function sseValue(grammar: 'cos' | 's3', value: string): string {
  if (grammar === 's3' && value === 'cos/kms') return 'aws:kms';
  if (grammar === 'cos' && value === 'aws:kms') return 'cos/kms';
  return value;
}

/**
 * Condition values by lowercase key. Every `x-cos-*` header `h` is offered as `cos:h` and as `s3:` + its `x-amz-`
 * twin, and every `x-amz-*` header the other way round (an explicit header of a spelling wins over the twin), so one
 * policy covers both front-ends; SSE values are spelt per grammar (`cos/kms` ↔ `aws:kms`). Also: `cos:content-type`,
 * `aws:securetransport` / `cos:secure-transport`, `aws:sourceip` / `qcs:ip`, and for listings `s3:prefix`,
 * `s3:delimiter`, `s3:max-keys` (with `cos:` twins), and `s3:versionid` / `cos:versionid`. `headers` replaces the
 * request headers (POST form fields, or an upload's encryption for its parts).
 */
export function policyConditions(r: EngineRequest, headers: IncomingHttpHeaders = r.req.headers): Map<string, string[]> {
  const values = new Map<string, string[]>();
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined) values.set(key, [value]);
  };
  const twins: [string, string][] = [];
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const value = first(raw);
    if (value === undefined || hidden.has(lower)) continue;
    const sse = lower === 'x-cos-server-side-encryption' || lower === 'x-amz-server-side-encryption';
    if (lower.startsWith('x-cos-')) {
      set(`cos:${lower}`, sse ? sseValue('cos', value) : value);
      twins.push([`s3:${cosToS3Name[lower] ?? `x-amz-${lower.slice(6)}`}`, sse ? sseValue('s3', value) : value]);
    } else if (lower.startsWith('x-amz-')) {
      set(`s3:${lower}`, sse ? sseValue('s3', value) : value);
      twins.push([`cos:${s3ToCosName[lower] ?? `x-cos-${lower.slice(6)}`}`, sse ? sseValue('cos', value) : value]);
    }
  }
  for (const [key, value] of twins) if (!values.has(key)) set(key, value);
  set('cos:content-type', first(headers['content-type']));
  const secure = String((r.req.socket as { encrypted?: boolean }).encrypted === true);
  set('aws:securetransport', secure);
  set('cos:secure-transport', secure);
  set('aws:sourceip', r.req.socket.remoteAddress);
  set('qcs:ip', r.req.socket.remoteAddress);
  for (const name of ['prefix', 'delimiter', 'max-keys']) {
    set(`s3:${name}`, r.params.get(name));
    set(`cos:${name}`, r.params.get(name));
  }
  const versionId = r.params.get('versionId');
  if (versionId !== undefined && versionId !== '') {
    set('s3:versionid', versionId);
    set('cos:versionid', versionId);
  }
  return values;
}
