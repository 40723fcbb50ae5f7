/** The official cos-nodejs-sdk-v5 against the engine: SSE on simple, multipart and copied objects, ranged downloads, listing, deletes, bucket encryption, errors. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { crc64 } from '../../core/protocol/crc64.ts';
import { cosRequest, header } from './cosRequest.ts';
import { queryIndex } from './engineStorage.ts';
import { prepareMultipart } from './multipartUpload.ts';
import { makeTempDir, startTestEngine, TEST_BUCKET, TEST_REGION, type TestEngine } from './startTestEngine.ts';

const SSE = 'x-cos-server-side-encryption';
const MiB = 1024 * 1024;

function sseOf(headers: Record<string, string | undefined> | undefined): string | undefined {
  return headers?.[SSE];
}

/** The SDK's error as thrown (loosely typed: the d.ts calls it CosError). */
interface SdkError {
  code?: string;
  statusCode?: number;
  error?: { Code?: string };
}

describe('cos-nodejs-sdk-v5 against the engine', () => {
  let engine: TestEngine;
  let cos: COS;
  let workDir: string;
  const Bucket = TEST_BUCKET;
  const Region = TEST_REGION;

  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('sdk');
    cos = new COS({ SecretId: engine.target.secretId, SecretKey: engine.target.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${engine.port}` });
  });

  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('putObject with SSE echoes AES256, HEAD shows it, getObject returns the bytes', async () => {
    const body = randomBytes(200_000);
    const put = await cos.putObject({ Bucket, Region, Key: 'simple/sse.bin', Body: body, ServerSideEncryption: 'AES256' });
    assert.equal(put.statusCode, 200);
    assert.equal(sseOf(put.headers), 'AES256');
    assert.equal(put.headers?.['x-cos-hash-crc64ecma'], crc64(body).toString());
    const head = await cos.headObject({ Bucket, Region, Key: 'simple/sse.bin' });
    assert.equal(sseOf(head.headers), 'AES256');
    assert.equal(head.headers?.['content-length'], String(body.length));
    const got = await cos.getObject({ Bucket, Region, Key: 'simple/sse.bin' });
    assert.equal(sseOf(got.headers), 'AES256');
    assert.ok(Buffer.from(got.Body as Buffer).equals(body), 'getObject body equals what was put');
  });

  it('sliceUploadFile (multipart, SSE) then downloadFile with ranged GETs round-trips a 25 MiB file', async () => {
    const content = randomBytes(25 * MiB + 12_345);
    const source = path.join(workDir, 'big.bin');
    await writeFile(source, content);
    const upload = await cos.sliceUploadFile({ Bucket, Region, Key: 'big/multipart.bin', FilePath: source, SliceSize: MiB, ChunkSize: MiB, ServerSideEncryption: 'AES256' });
    assert.equal(upload.statusCode, 200);
    assert.equal(sseOf(upload.headers), 'AES256', 'Complete echoes SSE');
    assert.match(String(upload.ETag), /-\d+"?$/, 'multipart ETag has the -N suffix (went multipart)');
    const head = await cos.headObject({ Bucket, Region, Key: 'big/multipart.bin' });
    assert.equal(sseOf(head.headers), 'AES256');
    assert.equal(head.headers?.['content-length'], String(content.length));
    const wholeCrc = crc64(content).toString();
    if (head.headers?.['x-cos-hash-crc64ecma'] !== undefined) assert.equal(head.headers['x-cos-hash-crc64ecma'], wholeCrc);

    const got = await cos.getObject({ Bucket, Region, Key: 'big/multipart.bin' });
    assert.ok(Buffer.from(got.Body as Buffer).equals(content), 'getObject of the multipart object equals the file');

    const target = path.join(workDir, 'big.down');
    await cos.downloadFile({ Bucket, Region, Key: 'big/multipart.bin', FilePath: target, ChunkSize: MiB, ParallelLimit: 4 });
    assert.ok((await readFile(target)).equals(content), 'downloadFile (ranged GETs) reassembles the same bytes');

    // What downloadFile relies on, checked directly: a 206 carries the whole-object CRC and the right Content-Range.
    const ranged = await cosRequest(engine.target, { method: 'GET', key: 'big/multipart.bin', headers: { range: `bytes=${3 * MiB}-${4 * MiB - 1}` } });
    assert.equal(ranged.status, 206);
    assert.equal(header(ranged, 'content-range'), `bytes ${3 * MiB}-${4 * MiB - 1}/${content.length}`);
    assert.equal(header(ranged, 'x-cos-hash-crc64ecma'), wholeCrc);
    assert.ok(ranged.body.equals(content.subarray(3 * MiB, 4 * MiB)));
  });

  it('sliceUploadFile resumes an unfinished upload (List Multipart Uploads + List Parts with MD5 part ETags)', async () => {
    const content = randomBytes(10 * MiB + 500);
    const source = path.join(workDir, 'resume.bin');
    await writeFile(source, content);
    // The first six 1 MiB slices are already uploaded, as if an earlier run had been interrupted.
    const slices = Array.from({ length: 6 }, (_, index) => content.subarray(index * MiB, (index + 1) * MiB));
    const earlier = await prepareMultipart(engine.target, 'resume/file.bin', slices, { [SSE]: 'AES256' });
    const earlierBlobs = new Map(queryIndex(engine.dataDir, 'SELECT part_number, blob_id FROM segments WHERE upload_id = ?', earlier.uploadId).map((row) => [Number(row.part_number), String(row.blob_id)]));
    assert.equal(earlierBlobs.size, 6);

    const done = await cos.sliceUploadFile({ Bucket, Region, Key: 'resume/file.bin', FilePath: source, SliceSize: MiB, ChunkSize: MiB, ServerSideEncryption: 'AES256' });
    assert.equal(done.statusCode, 200);
    assert.equal(sseOf(done.headers), 'AES256');
    const segments = queryIndex(engine.dataDir, "SELECT s.part_number, s.blob_id FROM objects o JOIN segments s ON s.object_id = o.object_id WHERE o.key = 'resume/file.bin' ORDER BY s.seq");
    assert.equal(segments.length, 11);
    for (const row of segments.slice(0, 6)) assert.equal(row.blob_id, earlierBlobs.get(Number(row.part_number)), `part ${String(row.part_number)} was reused, not uploaded again`);
    const got = await cos.getObject({ Bucket, Region, Key: 'resume/file.bin' });
    assert.ok(Buffer.from(got.Body as Buffer).equals(content));
  });

  it('getBucket lists with prefix and delimiter', async () => {
    for (const Key of ['list/a.txt', 'list/b.txt', 'list/sub/c.txt', 'list/sub/d/e.txt', 'listing-other.txt']) {
      await cos.putObject({ Bucket, Region, Key, Body: Key, ServerSideEncryption: 'AES256' });
    }
    const listed = await cos.getBucket({ Bucket, Region, Prefix: 'list/', Delimiter: '/' });
    assert.deepEqual(listed.Contents.map((entry) => entry.Key).sort(), ['list/a.txt', 'list/b.txt']);
    assert.deepEqual(listed.CommonPrefixes.map((entry) => entry.Prefix), ['list/sub/']);
    const flat = await cos.getBucket({ Bucket, Region, Prefix: 'list' });
    assert.deepEqual(flat.Contents.map((entry) => entry.Key).sort(), ['list/a.txt', 'list/b.txt', 'list/sub/c.txt', 'list/sub/d/e.txt', 'listing-other.txt']);
    const paged = await cos.getBucket({ Bucket, Region, Prefix: 'list/', MaxKeys: 2 });
    assert.equal(paged.Contents.length, 2);
    assert.equal(String(paged.IsTruncated), 'true');
  });

  it('putObjectCopy encrypts the destination only when asked', async () => {
    const body = randomBytes(150_000);
    await cos.putObject({ Bucket, Region, Key: 'copy/src-plain.bin', Body: body });
    await cos.putObject({ Bucket, Region, Key: 'copy/src-sse.bin', Body: body, ServerSideEncryption: 'AES256' });
    const plainHead = await cos.headObject({ Bucket, Region, Key: 'copy/src-plain.bin' });
    assert.equal(sseOf(plainHead.headers), undefined, 'a PUT without SSE is not encrypted (no bucket default yet)');
    const source = (key: string): string => `${Bucket}.cos.${Region}.myqcloud.com/${key}`;

    // The SDK maps ServerSideEncryption on every API (formatParams), though its d.ts omits it for putObjectCopy.
    const copyWithSse = { Bucket, Region, Key: 'copy/plain-to-sse.bin', CopySource: source('copy/src-plain.bin'), ServerSideEncryption: 'AES256' } as COS.PutObjectCopyParams;
    const toSse = await cos.putObjectCopy(copyWithSse);
    assert.equal(sseOf(toSse.headers), 'AES256');
    assert.equal(sseOf((await cos.headObject({ Bucket, Region, Key: 'copy/plain-to-sse.bin' })).headers), 'AES256');

    const toPlain = await cos.putObjectCopy({ Bucket, Region, Key: 'copy/sse-to-plain.bin', CopySource: source('copy/src-sse.bin') });
    assert.equal(sseOf(toPlain.headers), undefined, 'nothing is inherited from the source');
    assert.equal(sseOf((await cos.headObject({ Bucket, Region, Key: 'copy/sse-to-plain.bin' })).headers), undefined);

    for (const Key of ['copy/plain-to-sse.bin', 'copy/sse-to-plain.bin']) {
      const got = await cos.getObject({ Bucket, Region, Key });
      assert.ok(Buffer.from(got.Body as Buffer).equals(body), `${Key} has the source bytes`);
    }
  });

  it('deleteObject and deleteMultipleObject remove objects', async () => {
    for (const Key of ['del/one', 'del/two', 'del/three']) await cos.putObject({ Bucket, Region, Key, Body: Key, ServerSideEncryption: 'AES256' });
    const single = await cos.deleteObject({ Bucket, Region, Key: 'del/one' });
    assert.equal(single.statusCode, 204);
    const many = await cos.deleteMultipleObject({ Bucket, Region, Objects: [{ Key: 'del/two' }, { Key: 'del/three' }, { Key: 'del/never-existed' }] });
    assert.deepEqual(many.Deleted.map((entry) => entry.Key).sort(), ['del/never-existed', 'del/three', 'del/two']);
    assert.deepEqual(many.Error, []);
    const listed = await cos.getBucket({ Bucket, Region, Prefix: 'del/' });
    assert.deepEqual(listed.Contents, []);
    await assert.rejects(cos.headObject({ Bucket, Region, Key: 'del/two' }), (error: SdkError) => error.statusCode === 404);
  });

  it('putBucketEncryption / getBucketEncryption, and the default applies to PUTs without SSE headers', async () => {
    await cos.putBucketEncryption({
      Bucket, Region, ServerSideEncryptionConfiguration: { Rule: [{ ApplySideEncryptionConfiguration: { SSEAlgorithm: 'AES256' } }] },
    });
    const got = await cos.getBucketEncryption({ Bucket, Region });
    assert.equal(got.statusCode, 200);
    assert.match(JSON.stringify(got), /AES256/, 'GET ?encryption returns the configured algorithm');
    const raw = await cosRequest(engine.target, { method: 'GET', query: [['encryption', '']] });
    assert.equal(raw.status, 200);
    assert.match(raw.body.toString(), /<ApplyServerSideEncryptionByDefault>\s*<SSEAlgorithm>AES256<\/SSEAlgorithm>/);

    await cos.putObject({ Bucket, Region, Key: 'default/no-header.bin', Body: 'encrypted by default' });
    const head = await cos.headObject({ Bucket, Region, Key: 'default/no-header.bin' });
    assert.equal(sseOf(head.headers), 'AES256', 'bucket default encryption applies');

    await cos.deleteBucketEncryption({ Bucket, Region });
    const cleared = await cos.getBucketEncryption({ Bucket, Region });
    assert.deepEqual((cleared as unknown as { EncryptionConfiguration: { Rules: unknown[] } }).EncryptionConfiguration.Rules, []);
  });

  it('a wrong SecretKey surfaces SignatureDoesNotMatch through the SDK', async () => {
    const wrong = new COS({ SecretId: engine.target.secretId, SecretKey: 'not-the-secret-key', Protocol: 'http:', Ip: `127.0.0.1:${engine.port}` });
    await assert.rejects(wrong.putObject({ Bucket, Region, Key: 'denied.txt', Body: 'x', ServerSideEncryption: 'AES256' }), (error: SdkError) => {
      assert.equal(error.statusCode, 403);
      assert.equal(error.code, 'SignatureDoesNotMatch');
      return true;
    });
    await assert.rejects(wrong.getObject({ Bucket, Region, Key: 'simple/sse.bin' }), (error: SdkError) => error.code === 'SignatureDoesNotMatch');
    await assert.rejects(cos.headObject({ Bucket, Region, Key: 'denied.txt' }), (error: SdkError) => error.statusCode === 404, 'the rejected PUT stored nothing');
  });

  it("pseudo path-style via Domain '127.0.0.1:PORT/{Bucket}' (cos-api.md §2.3 B)", async () => {
    const pathStyle = new COS({ SecretId: engine.target.secretId, SecretKey: engine.target.secretKey, Protocol: 'http:', Domain: `127.0.0.1:${engine.port}/{Bucket}` });
    const body = randomBytes(70_000);
    const put = await pathStyle.putObject({ Bucket, Region, Key: 'path-style/dir/file.bin', Body: body, ServerSideEncryption: 'AES256' });
    assert.equal(sseOf(put.headers), 'AES256');
    const head = await pathStyle.headObject({ Bucket, Region, Key: 'path-style/dir/file.bin' });
    assert.equal(sseOf(head.headers), 'AES256');
    const got = await pathStyle.getObject({ Bucket, Region, Key: 'path-style/dir/file.bin' });
    assert.ok(Buffer.from(got.Body as Buffer).equals(body));
    const listed = await pathStyle.getBucket({ Bucket, Region, Prefix: 'path-style/', Delimiter: '/' });
    assert.deepEqual(listed.CommonPrefixes.map((entry) => entry.Prefix), ['path-style/dir/']);
    // The same object is visible through the virtual-host form: same bucket.
    const viaHost = await cos.getObject({ Bucket, Region, Key: 'path-style/dir/file.bin' });
    assert.ok(Buffer.from(viaHost.Body as Buffer).equals(body));
    await pathStyle.deleteObject({ Bucket, Region, Key: 'path-style/dir/file.bin' });
    await assert.rejects(cos.headObject({ Bucket, Region, Key: 'path-style/dir/file.bin' }), (error: SdkError) => error.statusCode === 404);
  });
});
