/** Authentication: COS header and presigned, SigV4 header/presigned/path-style, payload hash, aws-chunked, POST Object policies. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { presignCos, signCos, signPostPolicy } from '../../core/protocol/cosSignature.ts';
import { awsChunkSignature, credentialScope, deriveSigningKey, formatAmzDate, presignV4, signV4, STREAMING_PAYLOAD } from '../../core/protocol/sigv4.ts';
import { filesContaining } from './dataSearch.ts';
import { send, TestEngine } from './engineClient.ts';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('engine authentication', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('rejects wrong keys, unknown ids, expired and malformed COS signatures', async () => {
    assert.match((await t.request({ key: 'x', secretKey: 'wrong' })).text, /SignatureDoesNotMatch/);
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const unknown = signCos({ method: 'GET', pathname: '/x', query: [], headers: { host } }, { secretId: 'AKIDunknown', secretKey: 'k' }, { startSeconds: Math.floor(Date.now() / 1000) });
    assert.match((await send(t.engine.port, { method: 'GET', path: '/x', headers: { host, authorization: unknown } })).text, /InvalidAccessKeyId/);
    const expired = signCos({ method: 'GET', pathname: '/x', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 7200, expiresSeconds: 60 });
    const expiredRes = await send(t.engine.port, { method: 'GET', path: '/x', headers: { host, authorization: expired } });
    assert.equal(expiredRes.status, 403);
    assert.match(expiredRes.text, /Request has expired/);
    const malformed = await send(t.engine.port, { method: 'GET', path: '/x', headers: { host, authorization: 'garbage&&==' } });
    assert.equal(malformed.status, 403);
    assert.match(malformed.text, /AccessDenied/);
  });

  it('accepts COS presigned URLs', async () => {
    await t.request({ method: 'PUT', key: 'presigned.txt', body: 'presigned' });
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const query = presignCos({ method: 'GET', pathname: '/presigned.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const res = await send(t.engine.port, { method: 'GET', path: `/presigned.txt?${query}`, headers: { host } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'presigned');
    const authorization = signCos({ method: 'GET', pathname: '/presigned.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const legacy = await send(t.engine.port, { method: 'GET', path: `/presigned.txt?sign=${encodeURIComponent(authorization)}`, headers: { host } });
    assert.equal(legacy.text, 'presigned');
    const tampered = await send(t.engine.port, { method: 'GET', path: `/other.txt?${query}`, headers: { host } });
    assert.equal(tampered.status, 403);
  });

  it('accepts SigV4 (virtual-host and path-style), checks x-amz-content-sha256, echoes x-amz-* headers', async () => {
    const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
    const body = Buffer.from('sigv4 body');
    const pathStyle = { method: 'PUT', path: `/${t.bucket}/v4/object.txt`, query: [] as [string, string][], headers: { host: `127.0.0.1:${t.engine.port}`, 'content-length': String(body.length), 'x-amz-meta-color': 'blue', 'x-amz-server-side-encryption': 'AES256' } as Record<string, string> };
    const signed = signV4(pathStyle, credentials, { region: 'ap-guangzhou', date: new Date(), payloadHash: sha256(body) });
    const put = await send(t.engine.port, { method: 'PUT', path: pathStyle.path, headers: { ...pathStyle.headers, ...signed } as Record<string, string>, body });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers['x-amz-server-side-encryption'], 'AES256');
    const head = { method: 'HEAD', path: '/v4/object.txt', query: [] as [string, string][], headers: { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com` } as Record<string, string> };
    const headRes = await send(t.engine.port, { method: 'HEAD', path: head.path, headers: { ...head.headers, ...signV4(head, credentials, { region: 'ap-guangzhou', date: new Date() }) } as Record<string, string> });
    assert.equal(headRes.status, 200);
    assert.equal(headRes.headers['x-amz-meta-color'], 'blue');
    const mismatch = signV4(pathStyle, credentials, { region: 'ap-guangzhou', date: new Date(), payloadHash: sha256('other') });
    const bad = await send(t.engine.port, { method: 'PUT', path: pathStyle.path, headers: { ...pathStyle.headers, ...mismatch } as Record<string, string>, body });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /XAmzContentSHA256Mismatch/);
    const get = { method: 'GET', path: `/${t.bucket}/v4/object.txt`, query: [] as [string, string][], headers: { host: `127.0.0.1:${t.engine.port}` } as Record<string, string> };
    const presigned = presignV4(get, credentials, { region: 'ap-guangzhou', date: new Date(), expiresSeconds: 300 });
    const search = presigned.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
    const got = await send(t.engine.port, { method: 'GET', path: `${get.path}?${search}`, headers: get.headers });
    assert.equal(got.text, 'sigv4 body');
  });

  it('decodes aws-chunked bodies and verifies every chunk signature', async () => {
    const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
    const data = randomBytes(100_000);
    const date = new Date();
    const chunks = [data.subarray(0, 65536), data.subarray(65536), Buffer.alloc(0)];
    const build = (tamper: boolean): { headers: Record<string, string>; body: Buffer } => {
      const headers: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
      const request = { method: 'PUT', path: '/chunked/aws.bin', query: [] as [string, string][], headers };
      const encodedLength = chunks.reduce((sum, chunk) => sum + chunk.length.toString(16).length + ';chunk-signature='.length + 64 + 4 + chunk.length, 0);
      headers['content-length'] = String(encodedLength);
      const signed = signV4(request, credentials, { region: 'ap-guangzhou', date, payloadHash: STREAMING_PAYLOAD });
      const stamp = formatAmzDate(date).slice(0, 8);
      const signingKey = deriveSigningKey(credentials.secretAccessKey, stamp, 'ap-guangzhou', 's3');
      const scope = credentialScope(stamp, 'ap-guangzhou', 's3');
      let previous = /Signature=([0-9a-f]+)/.exec(signed.authorization)![1]!;
      const parts: Buffer[] = [];
      for (const chunk of chunks) {
        const signature = awsChunkSignature({ signingKey, scope, date, previousSignature: previous, data: chunk });
        previous = signature;
        const payload = tamper && chunk.length > 0 ? Buffer.from(chunk).fill(1, 0, 1) : chunk;
        parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), payload, Buffer.from('\r\n'));
      }
      return { headers: { ...headers, ...signed } as Record<string, string>, body: Buffer.concat(parts) };
    };
    const good = build(false);
    const put = await send(t.engine.port, { method: 'PUT', path: '/chunked/aws.bin', ...good });
    assert.equal(put.status, 200, put.text);
    assert.ok((await t.request({ key: 'chunked/aws.bin' })).body.equals(data));
    const tampered = build(true);
    const bad = await send(t.engine.port, { method: 'PUT', path: '/chunked/aws-bad.bin', ...tampered });
    assert.equal(bad.status, 403, bad.text);
    assert.equal((await t.request({ key: 'chunked/aws-bad.bin' })).status, 404);
  });

  it('decodes unsigned aws-chunked bodies with checksum trailers', async () => {
    const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
    const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    const headers: Record<string, string> = {
      host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11',
      'x-amz-trailer': 'x-amz-checksum-crc32', 'content-length': String(body.length),
    };
    const signed = signV4({ method: 'PUT', path: '/trailer.txt', query: [], headers }, credentials, { region: 'ap-guangzhou', date: new Date(), payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' });
    const put = await send(t.engine.port, { method: 'PUT', path: '/trailer.txt', headers: { ...headers, ...signed } as Record<string, string>, body });
    assert.equal(put.status, 200, put.text);
    assert.equal((await t.request({ key: 'trailer.txt' })).text, 'hello world');
  });

  it('verifies x-amz-checksum-* headers (BadDigest) and stores nothing on a mismatch', async () => {
    const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
    const body = Buffer.from('checksummed body');
    const put = async (key: string, checksum: string) => {
      const headers: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-length': String(body.length), 'x-amz-checksum-sha256': checksum };
      const signed = signV4({ method: 'PUT', path: `/${key}`, query: [], headers }, credentials, { region: 'ap-guangzhou', date: new Date(), payloadHash: 'UNSIGNED-PAYLOAD' });
      return send(t.engine.port, { method: 'PUT', path: `/${key}`, headers: { ...headers, ...signed } as Record<string, string>, body });
    };
    assert.equal((await put('sum/good', createHash('sha256').update(body).digest('base64'))).status, 200);
    const bad = await put('sum/bad', createHash('sha256').update('other').digest('base64'));
    assert.equal(bad.status, 400);
    assert.match(bad.text, /BadDigest/);
    assert.equal((await t.request({ key: 'sum/bad' })).status, 404);
  });

  it('POST Object: policy signature, conditions, ${filename}, SSE field, success_action_status', async () => {
    const keyTime = `${Math.floor(Date.now() / 1000) - 10};${Math.floor(Date.now() / 1000) + 600}`;
    const policy = Buffer.from(JSON.stringify({
      expiration: new Date(Date.now() + 600_000).toISOString(),
      conditions: [{ bucket: t.bucket }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 1, 1000], { 'q-sign-algorithm': 'sha1' }, { 'q-ak': t.engine.credentials.secretId }],
    })).toString('base64');
    const form = (fields: [string, string][], file: string, filename = 'photo.txt'): { headers: Record<string, string>; body: Buffer } => {
      const boundary = `----form${randomBytes(8).toString('hex')}`;
      const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
      const body = Buffer.concat([Buffer.from(parts.join('')), Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n`), Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`)]);
      return { headers: { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }, body };
    };
    const signature = signPostPolicy(Buffer.from(policy, 'base64'), t.engine.credentials.secretKey, keyTime);
    const fields = (key: string, sig = signature): [string, string][] => [
      ['key', key], ['policy', policy], ['q-sign-algorithm', 'sha1'], ['q-ak', t.engine.credentials.secretId], ['q-key-time', keyTime], ['q-signature', sig],
      ['x-cos-server-side-encryption', 'AES256'], ['x-cos-meta-origin', 'form'], ['success_action_status', '201'],
    ];
    const secret = `FORM-UPLOAD-SECRET-${randomBytes(6).toString('hex')}`;
    const ok = await send(t.engine.port, { method: 'POST', path: '/', ...form(fields('uploads/${filename}'), secret) });
    assert.equal(ok.status, 201, ok.text);
    assert.match(ok.text, /<Key>uploads\/photo.txt<\/Key>/);
    assert.equal(ok.headers['x-cos-server-side-encryption'], 'AES256');
    const head = await t.request({ method: 'HEAD', key: 'uploads/photo.txt' });
    assert.equal(head.headers['x-cos-meta-origin'], 'form');
    assert.equal((await t.request({ key: 'uploads/photo.txt' })).text, secret);
    assert.deepEqual(await filesContaining(t.dir, secret), []);
    assert.equal((await send(t.engine.port, { method: 'POST', path: '/', ...form(fields('other/x'), 'x') })).status, 403);
    assert.equal((await send(t.engine.port, { method: 'POST', path: '/', ...form(fields('uploads/y', '0'.repeat(40)), 'x') })).status, 403);
    assert.equal((await send(t.engine.port, { method: 'POST', path: '/', ...form(fields('uploads/big'), 'x'.repeat(2000)) })).status, 400);
    assert.equal((await t.request({ key: 'uploads/big' })).status, 404);
  });
});
