/** POST Object: a browser-style form upload signed with a policy (cos-api.md §3.2, §1.5 V5), SSE as form fields. */
import { randomBytes } from 'node:crypto';
import { signPostPolicy } from '../protocol/cosSignature.ts';
import { sseRequestHeaders } from '../protocol/serverSideEncryption.ts';
import { describeRequested, requireEncryption, verifyCrc64 } from './integrity.ts';
import { metadataHeaders } from './objectInfo.ts';
import type { PutObjectResult, WriteOptions } from './putObject.ts';
import { meteredBody, type RequestBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** Options of {@link postObject}. */
export interface PostObjectOptions extends WriteOptions {
  /** Policy lifetime in seconds. Default 900. */
  expiresSeconds?: number;
}

function formField(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

/**
 * Uploads `data` with `POST /` and `multipart/form-data`: the fields (key, Content-Type, metadata, SSE, the
 * base64 policy and its q-sign fields) precede the file. The policy lists every field as an exact condition plus
 * `q-sign-time`. Checks the SSE echo and the CRC-64 like PUT Object.
 */
export async function postObject(transport: Transport, bucket: string, key: string, data: Uint8Array, options: PostObjectOptions = {}): Promise<PutObjectResult> {
  const sse = options.sse ?? { mode: 'AES256' };
  const credentials = await transport.credentials();
  const start = Math.round(transport.now() / 1000) - 1;
  const expires = options.expiresSeconds ?? 900;
  const keyTime = `${start};${start + expires}`;
  const fields: [string, string][] = [['key', key], ['success_action_status', '200']];
  if (options.contentType) fields.push(['Content-Type', options.contentType]);
  for (const [name, value] of Object.entries({ ...metadataHeaders(options.metadata), ...sseRequestHeaders(sse) })) fields.push([name, value]);
  if (credentials.securityToken) fields.push(['x-cos-security-token', credentials.securityToken]);
  // q-sign-time is sent as well as q-key-time: the policy names it, and strict servers want every condition field in the form.
  const signFields: [string, string][] = [['q-sign-algorithm', 'sha1'], ['q-ak', credentials.secretId], ['q-key-time', keyTime], ['q-sign-time', keyTime]];
  const conditions = [
    { bucket },
    ...fields.filter(([name]) => name !== 'x-cos-security-token').map(([name, value]) => ({ [name]: value })),
    { 'q-sign-algorithm': 'sha1' },
    { 'q-ak': credentials.secretId },
    { 'q-sign-time': keyTime },
  ];
  const policy = JSON.stringify({ expiration: new Date((start + expires) * 1000).toISOString(), conditions });
  const signature = signPostPolicy(policy, credentials.secretKey, keyTime);
  const boundary = `----cos-sync-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    [...fields, ['policy', Buffer.from(policy).toString('base64')], ...signFields, ['q-signature', signature]].map(([name, value]) => formField(boundary, name!, value!)).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${key.split('/').pop()!.replace(/["\r\n]/g, '_')}"\r\nContent-Type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const file = meteredBody({ length: data.length, rewindable: true, open: () => (async function* () { yield data; })() });
  const body: RequestBody = {
    length: head.length + data.length + tail.length,
    rewindable: true,
    async *open() {
      yield head;
      yield* file.open();
      yield tail;
    },
  };
  const response = await transport.send({
    operation: 'POST Object',
    method: 'POST',
    bucket,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    idempotent: true,
    unsigned: true,
    ...(sse.mode === 'none' ? {} : { formWrite: { encryption: describeRequested(sse), key } }),
    signal: options.signal,
  });
  const encryption = requireEncryption(sse, response.headers, transport.writeTarget('POST Object', bucket, key));
  const crc64 = file.crc64();
  const crc64Verified = verifyCrc64(crc64, response.headers, `'${key}'`);
  return { etag: response.headers.etag ?? '', crc64, size: data.length, encryption, crc64Verified };
}
