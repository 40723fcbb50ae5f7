/** Multipart uploads: parts with their own keys, complete without re-encryption, reads across part boundaries, errors, listings, part copy. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { crc64 } from '../../core/protocol/crc64.ts';
import { customerKeyHeaders } from '../../core/protocol/serverSideEncryption.ts';
import { filesContaining } from './dataSearch.ts';
import { TestEngine } from './engineClient.ts';

const MiB = 1024 * 1024;
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

function completeBody(parts: [number, string][]): string {
  return `<CompleteMultipartUpload>${parts.map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
}

describe('engine multipart upload', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  async function initiate(key: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await t.request({ method: 'POST', key, query: [['uploads', '']], headers });
    assert.equal(res.status, 200, res.text);
    return /<UploadId>([^<]+)<\/UploadId>/.exec(res.text)![1]!;
  }

  it('uploads encrypted parts, completes, and reads across part and package boundaries', async () => {
    const parts = [randomBytes(MiB + 12345), randomBytes(MiB), randomBytes(70_000)];
    parts[0]!.write('MULTIPART-PLAINTEXT-MARKER-0123456789', 100);
    const whole = Buffer.concat(parts);
    const uploadId = await initiate('mp/big.bin', { 'x-cos-server-side-encryption': 'AES256', 'x-cos-meta-kind': 'big' });
    const etags: [number, string][] = [];
    for (const [index, part] of parts.entries()) {
      // the SDK repeats x-cos-server-side-encryption on every part: accepted and ignored
      const res = await t.request({ method: 'PUT', key: 'mp/big.bin', query: [['partNumber', String(index + 1)], ['uploadId', uploadId]], body: part, headers: { 'x-cos-server-side-encryption': 'AES256' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.etag, `"${md5(part)}"`);
      assert.equal(res.headers['x-cos-hash-crc64ecma'], crc64(part).toString());
      assert.equal(res.headers['x-cos-server-side-encryption'], 'AES256');
      etags.push([index + 1, String(res.headers.etag)]);
    }
    const list = await t.request({ key: 'mp/big.bin', query: [['uploadId', uploadId]] });
    assert.match(list.text, new RegExp(`<ETag>&quot;${md5(parts[1]!)}&quot;</ETag><Size>${MiB}</Size>`));
    const uploads = await t.request({ query: [['uploads', ''], ['prefix', 'mp/']] });
    assert.match(uploads.text, new RegExp(`<UploadID>${uploadId}</UploadID>`));
    const done = await t.request({ method: 'POST', key: 'mp/big.bin', query: [['uploadId', uploadId]], body: completeBody(etags) });
    assert.equal(done.status, 200, done.text);
    const expectedEtag = `${md5(Buffer.concat(parts.map((part) => Buffer.from(md5(part), 'hex'))))}-3`;
    assert.match(done.text, new RegExp(`<ETag>&quot;${expectedEtag}&quot;</ETag>`));
    assert.equal(done.headers['x-cos-hash-crc64ecma'], crc64(whole).toString());
    assert.equal(done.headers['x-cos-server-side-encryption'], 'AES256');
    const head = await t.request({ method: 'HEAD', key: 'mp/big.bin' });
    assert.equal(head.headers['content-length'], String(whole.length));
    assert.equal(head.headers['x-cos-meta-kind'], 'big');
    assert.equal(head.headers['x-cos-hash-crc64ecma'], crc64(whole).toString());
    assert.ok((await t.request({ key: 'mp/big.bin' })).body.equals(whole));
    const boundary = parts[0]!.length;
    for (const [start, end] of [[boundary - 10, boundary + 10], [boundary - 1, boundary + MiB], [65530, 65540], [0, whole.length - 1], [whole.length - 5, whole.length - 1]]) {
      const res = await t.request({ key: 'mp/big.bin', headers: { range: `bytes=${start}-${end}` } });
      assert.equal(res.status, 206);
      assert.ok(res.body.equals(whole.subarray(start!, end! + 1)), `${start}-${end}`);
    }
    assert.deepEqual(await filesContaining(t.dir, 'MULTIPART-PLAINTEXT-MARKER'), []);
    assert.doesNotMatch((await t.request({ query: [['uploads', '']] })).text, new RegExp(uploadId));
  });

  it('replaces re-uploaded parts and checks EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload', async () => {
    const uploadId = await initiate('mp/rules.bin');
    const small = randomBytes(1000);
    const big = randomBytes(MiB);
    const first = await t.request({ method: 'PUT', key: 'mp/rules.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: small });
    const second = await t.request({ method: 'PUT', key: 'mp/rules.bin', query: [['partNumber', '2'], ['uploadId', uploadId]], body: small });
    const tooSmall = await t.request({ method: 'POST', key: 'mp/rules.bin', query: [['uploadId', uploadId]], body: completeBody([[1, String(first.headers.etag)], [2, String(second.headers.etag)]]) });
    assert.match(tooSmall.text, /EntityTooSmall/);
    const replaced = await t.request({ method: 'PUT', key: 'mp/rules.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: big });
    const order = await t.request({ method: 'POST', key: 'mp/rules.bin', query: [['uploadId', uploadId]], body: completeBody([[2, String(second.headers.etag)], [1, String(replaced.headers.etag)]]) });
    assert.match(order.text, /InvalidPartOrder/);
    const stale = await t.request({ method: 'POST', key: 'mp/rules.bin', query: [['uploadId', uploadId]], body: completeBody([[1, String(first.headers.etag)], [2, String(second.headers.etag)]]) });
    assert.match(stale.text, /InvalidPart</);
    const missing = await t.request({ method: 'POST', key: 'mp/rules.bin', query: [['uploadId', uploadId]], body: completeBody([[1, String(replaced.headers.etag)], [3, String(second.headers.etag)]]) });
    assert.match(missing.text, /InvalidPart</);
    const ok = await t.request({ method: 'POST', key: 'mp/rules.bin', query: [['uploadId', uploadId]], body: completeBody([[1, String(replaced.headers.etag)], [2, String(second.headers.etag)]]) });
    assert.equal(ok.status, 200, ok.text);
    assert.ok((await t.request({ key: 'mp/rules.bin' })).body.equals(Buffer.concat([big, small])));
    assert.match((await t.request({ method: 'PUT', key: 'mp/rules.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: small })).text, /NoSuchUpload/);
    assert.match((await t.request({ method: 'PUT', key: 'mp/x', query: [['partNumber', '0'], ['uploadId', uploadId]], body: small })).text, /InvalidArgument/);
    assert.match((await t.request({ method: 'PUT', key: 'mp/x', query: [['partNumber', '10001'], ['uploadId', uploadId]], body: small })).text, /InvalidArgument/);
  });

  it('aborts uploads and removes their parts', async () => {
    const uploadId = await initiate('mp/abort.bin');
    await t.request({ method: 'PUT', key: 'mp/abort.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: 'ABORTED-PART-MARKER' });
    assert.notDeepEqual(await filesContaining(t.dir, 'ABORTED-PART-MARKER'), []);
    assert.equal((await t.request({ method: 'DELETE', key: 'mp/abort.bin', query: [['uploadId', uploadId]] })).status, 204);
    assert.equal((await t.request({ method: 'DELETE', key: 'mp/abort.bin', query: [['uploadId', uploadId]] })).status, 404);
    assert.deepEqual((await filesContaining(t.dir, 'ABORTED-PART-MARKER')).filter((file) => file.includes('blobs')), []);
  });

  it('SSE-C uploads need the key on every part', async () => {
    const key = randomBytes(32);
    const uploadId = await initiate('mp/ssec.bin', customerKeyHeaders(key));
    const part = randomBytes(2000);
    assert.equal((await t.request({ method: 'PUT', key: 'mp/ssec.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: part })).status, 400);
    assert.equal((await t.request({ method: 'PUT', key: 'mp/ssec.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: part, headers: customerKeyHeaders(randomBytes(32)) })).status, 403);
    const ok = await t.request({ method: 'PUT', key: 'mp/ssec.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: part, headers: customerKeyHeaders(key) });
    assert.equal(ok.status, 200);
    assert.ok(ok.headers['x-cos-server-side-encryption-customer-key-md5']);
    const done = await t.request({ method: 'POST', key: 'mp/ssec.bin', query: [['uploadId', uploadId]], body: completeBody([[1, String(ok.headers.etag)]]) });
    assert.equal(done.status, 200);
    assert.ok((await t.request({ key: 'mp/ssec.bin', headers: customerKeyHeaders(key) })).body.equals(part));
  });

  it('Upload Part - Copy with a source range', async () => {
    const source = randomBytes(300_000);
    await t.request({ method: 'PUT', key: 'mp/source.bin', body: source, headers: { 'x-cos-server-side-encryption': 'AES256' } });
    const uploadId = await initiate('mp/copied.bin');
    const copySource = `${t.bucket}.cos.ap-guangzhou.myqcloud.com/mp/source.bin`;
    const res = await t.request({ method: 'PUT', key: 'mp/copied.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], headers: { 'x-cos-copy-source': copySource, 'x-cos-copy-source-range': 'bytes=1000-200999' } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /<CopyPartResult><ETag>/);
    const etag = /<ETag>([^<]+)<\/ETag>/.exec(res.text)![1]!.replaceAll('&quot;', '"');
    const done = await t.request({ method: 'POST', key: 'mp/copied.bin', query: [['uploadId', uploadId]], body: completeBody([[1, etag]]) });
    assert.equal(done.status, 200, done.text);
    assert.ok((await t.request({ key: 'mp/copied.bin' })).body.equals(source.subarray(1000, 201000)));
    assert.equal((await t.request({ method: 'HEAD', key: 'mp/copied.bin' })).headers['x-cos-server-side-encryption'], undefined);
  });
});
