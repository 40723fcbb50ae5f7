/** Engine object API against a real engine on port 0: PUT/GET/HEAD/DELETE, metadata, ranges, conditionals, routing, buckets. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crc64 } from '../../core/protocol/crc64.ts';
import { send, TestEngine } from './engineClient.ts';
import { createHash } from 'node:crypto';

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

describe('engine object API', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('answers every response with x-cos-request-id, Server and Date; errors add a trace id and an XML document', async () => {
    const ok = await t.request({ method: 'HEAD', key: '' });
    assert.equal(ok.status, 200);
    assert.ok(ok.headers['x-cos-request-id']);
    assert.equal(ok.headers.server, 'tencent-cos');
    assert.ok(ok.headers.date);
    const missing = await t.request({ key: 'nope' });
    assert.equal(missing.status, 404);
    assert.ok(missing.headers['x-cos-trace-id']);
    assert.match(missing.text, /<Code>NoSuchKey<\/Code>/);
    assert.match(missing.text, new RegExp(`<RequestId>${String(missing.headers['x-cos-request-id'])}</RequestId>`));
    const head = await t.request({ method: 'HEAD', key: 'nope' });
    assert.equal(head.status, 404);
    assert.equal(head.body.length, 0);
  });

  it('stores and returns content, ETag, CRC-64, content headers and metadata; ignores empty header values', async () => {
    const body = 'hello world';
    const put = await t.request({
      method: 'PUT', key: 'docs/hello.txt', body,
      headers: { 'cache-control': '', 'content-disposition': 'attachment', 'x-cos-meta-author': 'Ada', expires: 'Thu, 01 Dec 2030 16:00:00 GMT' },
    });
    assert.equal(put.status, 200);
    assert.equal(put.headers.etag, `"${md5(body)}"`);
    assert.equal(put.headers['x-cos-hash-crc64ecma'], '5981764153023615706');
    assert.equal(put.headers['x-cos-server-side-encryption'], undefined);
    const get = await t.request({ key: 'docs/hello.txt' });
    assert.equal(get.text, body);
    assert.equal(get.headers['content-type'], 'text/plain');
    assert.equal(get.headers['content-disposition'], 'attachment');
    assert.equal(get.headers['x-cos-meta-author'], 'Ada');
    assert.equal(get.headers['cache-control'], undefined);
    assert.equal(get.headers['accept-ranges'], 'bytes');
    assert.ok(get.headers['last-modified']);
    const head = await t.request({ method: 'HEAD', key: 'docs/hello.txt' });
    assert.equal(head.headers['content-length'], '11');
    assert.equal(head.body.length, 0);
  });

  it('derives Content-Type from the key extension, else application/octet-stream', async () => {
    await t.request({ method: 'PUT', key: '1.zip', body: 'z' });
    await t.request({ method: 'PUT', key: '1', body: 'z' });
    assert.equal((await t.request({ method: 'HEAD', key: '1.zip' })).headers['content-type'], 'application/zip');
    assert.equal((await t.request({ method: 'HEAD', key: '1' })).headers['content-type'], 'application/octet-stream');
  });

  it('accepts chunked transfer encoding and empty objects', async () => {
    const chunked = await t.request({ method: 'PUT', key: 'chunked.bin', body: 'abc', headers: { 'transfer-encoding': 'chunked' } });
    assert.equal(chunked.status, 200, chunked.text);
    assert.equal((await t.request({ key: 'chunked.bin' })).text, 'abc');
    const empty = await t.request({ method: 'PUT', key: 'empty', body: '' });
    assert.equal(empty.headers['x-cos-hash-crc64ecma'], '0');
    const got = await t.request({ key: 'empty' });
    assert.equal(got.status, 200);
    assert.equal(got.body.length, 0);
  });

  it('checks Content-MD5 (BadDigest, InvalidDigest)', async () => {
    const good = createHash('md5').update('data').digest('base64');
    assert.equal((await t.request({ method: 'PUT', key: 'md5', body: 'data', headers: { 'content-md5': good } })).status, 200);
    const bad = await t.request({ method: 'PUT', key: 'md5', body: 'other', headers: { 'content-md5': good } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /BadDigest/);
    const invalid = await t.request({ method: 'PUT', key: 'md5', body: 'data', headers: { 'content-md5': 'nope' } });
    assert.match(invalid.text, /InvalidDigest/);
    assert.equal((await t.request({ key: 'md5' })).text, 'data');
  });

  it('serves single ranges with 206 and the whole-object CRC; 416 beyond the end', async () => {
    const data = Buffer.alloc(200_000, 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
    await t.request({ method: 'PUT', key: 'ranged.bin', body: data });
    const whole = crc64(data).toString();
    for (const [range, start, end] of [['bytes=0-0', 0, 0], ['bytes=65530-65545', 65530, 65545], ['bytes=131070-', 131070, 199999], ['bytes=-10', 199990, 199999], ['bytes=5-999999', 5, 199999]] as const) {
      const res = await t.request({ key: 'ranged.bin', headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers['content-range'], `bytes ${start}-${end}/200000`);
      assert.equal(res.headers['x-cos-hash-crc64ecma'], whole);
      assert.ok(res.body.equals(data.subarray(start, end + 1)), range);
    }
    const beyond = await t.request({ key: 'ranged.bin', headers: { range: 'bytes=200000-' } });
    assert.equal(beyond.status, 416);
    assert.match(beyond.text, /InvalidRange/);
    assert.equal((await t.request({ key: 'ranged.bin', headers: { range: 'bytes=abc' } })).status, 416);
  });

  it('evaluates If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since', async () => {
    const put = await t.request({ method: 'PUT', key: 'cond', body: 'x' });
    const etag = String(put.headers.etag);
    const later = new Date(Date.now() + 3600_000).toUTCString();
    const earlier = new Date(Date.now() - 3600_000).toUTCString();
    assert.equal((await t.request({ key: 'cond', headers: { 'if-match': etag } })).status, 200);
    assert.equal((await t.request({ key: 'cond', headers: { 'if-match': '"0000"' } })).status, 412);
    const notModified = await t.request({ key: 'cond', headers: { 'if-none-match': etag } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, etag);
    assert.equal((await t.request({ key: 'cond', headers: { 'if-modified-since': later } })).status, 304);
    assert.equal((await t.request({ key: 'cond', headers: { 'if-modified-since': earlier } })).status, 200);
    assert.equal((await t.request({ key: 'cond', headers: { 'if-unmodified-since': earlier } })).status, 412);
    assert.equal((await t.request({ method: 'HEAD', key: 'cond', headers: { 'if-none-match': etag } })).status, 304);
  });

  it('applies response-* overrides on signed GETs', async () => {
    await t.request({ method: 'PUT', key: 'override.txt', body: 'o' });
    const res = await t.request({ key: 'override.txt', query: [['response-content-type', 'application/x-test'], ['response-content-disposition', 'inline']] });
    assert.equal(res.headers['content-type'], 'application/x-test');
    assert.equal(res.headers['content-disposition'], 'inline');
  });

  it('DELETE answers 204, also for missing keys', async () => {
    await t.request({ method: 'PUT', key: 'gone', body: 'g' });
    assert.equal((await t.request({ method: 'DELETE', key: 'gone' })).status, 204);
    assert.equal((await t.request({ method: 'DELETE', key: 'gone' })).status, 204);
    assert.equal((await t.request({ key: 'gone' })).status, 404);
  });

  it('overwrites: the last complete PUT wins', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => t.request({ method: 'PUT', key: 'race', body: `value-${i}` })));
    const res = await t.request({ key: 'race' });
    assert.match(res.text, /^value-\d$/);
    await t.request({ method: 'PUT', key: 'race', body: 'final' });
    assert.equal((await t.request({ key: 'race' })).text, 'final');
  });

  it('routes path-style (signature without the bucket segment), virtual-host and absolute-form targets', async () => {
    await t.request({ method: 'PUT', key: 'route/a b+c.txt', body: 'routed', style: 'path' });
    assert.equal((await t.request({ key: 'route/a b+c.txt' })).text, 'routed');
    assert.equal((await t.request({ key: 'route/a b+c.txt', style: 'path' })).text, 'routed');
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const signed = await t.request({ key: 'route/a b+c.txt' });
    assert.equal(signed.status, 200);
    // absolute-form: the SDK's Proxy option
    const { signCos } = await import('../../core/protocol/cosSignature.ts');
    const headers: Record<string, string> = { host };
    headers.authorization = signCos({ method: 'GET', pathname: '/route/a b+c.txt', query: [], headers }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const absolute = await send(t.engine.port, { method: 'GET', path: `http://${host}/route/a%20b%2Bc.txt`, headers });
    assert.equal(absolute.status, 200, absolute.text);
    assert.equal(absolute.text, 'routed');
    const tencent = { host: `${t.bucket}.cos.ap-guangzhou.tencentcos.cn` } as Record<string, string>;
    tencent.authorization = signCos({ method: 'GET', pathname: '/route/a b+c.txt', query: [], headers: tencent }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    assert.equal((await send(t.engine.port, { method: 'GET', path: '/route/a%20b%2Bc.txt', headers: tencent })).text, 'routed');
  });

  it('lists buckets at the service level, creates, heads and deletes buckets', async () => {
    const list = await t.request({ style: 'path', bucket: '', rawPath: '/' });
    assert.equal(list.status, 200, list.text);
    assert.match(list.text, /<Name>test-1250000000<\/Name>/);
    assert.equal((await t.request({ method: 'PUT', bucket: 'second-1250000000' })).status, 200);
    assert.equal((await t.request({ method: 'PUT', bucket: 'second-1250000000' })).status, 409);
    assert.equal((await t.request({ method: 'HEAD', bucket: 'second-1250000000' })).status, 200);
    await t.request({ method: 'PUT', bucket: 'second-1250000000', key: 'x', body: 'x' });
    const notEmpty = await t.request({ method: 'DELETE', bucket: 'second-1250000000' });
    assert.equal(notEmpty.status, 409);
    assert.match(notEmpty.text, /BucketNotEmpty/);
    await t.request({ method: 'DELETE', bucket: 'second-1250000000', key: 'x' });
    assert.equal((await t.request({ method: 'DELETE', bucket: 'second-1250000000' })).status, 204);
    assert.equal((await t.request({ method: 'HEAD', bucket: 'second-1250000000' })).status, 404);
    assert.match((await t.request({ bucket: 'missing-1250000000', key: 'k' })).text, /NoSuchBucket/);
  });

  it('deletes multiple objects, quietly or not', async () => {
    await t.request({ method: 'PUT', key: 'multi/1', body: '1' });
    await t.request({ method: 'PUT', key: 'multi/2', body: '2' });
    const body = '<Delete><Object><Key>multi/1</Key></Object><Object><Key>multi/2</Key></Object><Object><Key>multi/none</Key></Object><Quiet>false</Quiet></Delete>';
    const res = await t.request({ method: 'POST', query: [['delete', '']], body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.text.match(/<Deleted>/g) ?? []).length, 3);
    assert.equal((await t.request({ key: 'multi/1' })).status, 404);
    const quiet = await t.request({ method: 'POST', query: [['delete', '']], body: '<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>' });
    assert.doesNotMatch(quiet.text, /<Deleted>/);
  });
});
