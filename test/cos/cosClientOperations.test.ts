/** Every CosClient operation against a signature-verifying server: the fake COS, and the bundled engine when it is available. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CosClient } from '../../core/cos/cosClient.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { BUCKET, clientFor, randomFile, startEngineTarget, startFakeTarget, tempFolder, type CosTarget } from './cosTestKit.ts';

const MiB = 1024 * 1024;
const customerKey = Buffer.from('0123456789ABCDEF0123456789ABCDEF');

for (const [name, start] of [['fake COS', startFakeTarget], ['bundled engine', startEngineTarget]] as const) {
  describe(`CosClient operations against the ${name}`, () => {
    let target: CosTarget | undefined;
    let client: CosClient;
    let folder: Awaited<ReturnType<typeof tempFolder>>;
    const ready = (t: TestContext): boolean => {
      if (target) return true;
      t.skip('core/engine/startEngine.ts is not available yet');
      return false;
    };

    before(async () => {
      target = await start();
      folder = await tempFolder();
      if (target) client = clientFor(target.endpoint, target.credentials);
    });
    after(async () => {
      await client?.close();
      await target?.close();
      await folder.remove();
    });

    it('probes the bucket and manages its default encryption', async (t) => {
      if (!ready(t)) return;
      await client.headBucket(BUCKET);
      await client.putBucketEncryption(BUCKET, { sseAlgorithm: 'AES256' });
      assert.equal((await client.getBucketEncryption(BUCKET))?.sseAlgorithm, 'AES256');
      await client.deleteBucketEncryption(BUCKET);
      assert.equal(await client.getBucketEncryption(BUCKET), undefined);
      await assert.rejects(client.headBucket('missing-1250000000'), { code: 'NoSuchBucket' });
    });

    it('puts from a buffer, a file and a stream, with SSE-COS confirmed and CRC-64 verified', async (t) => {
      if (!ready(t)) return;
      const data = Buffer.from('hello world');
      const put = await client.putObject(BUCKET, 'a/hello.txt', data, { contentType: 'text/plain', metadata: { author: 'Ada' } });
      assert.equal(put.crc64, '5981764153023615706');
      assert.equal(put.crc64Verified, true);
      assert.deepEqual(put.encryption, { algorithm: 'AES256' });
      const { file, data: fileData } = await randomFile(folder.dir, 'f.bin', 300_000);
      const fromFile = await client.putObject(BUCKET, 'a/file.bin', file, { contentMd5: true });
      assert.equal(fromFile.crc64, crc64(fileData).toString());
      const fromStream = await client.putObject(BUCKET, 'a/stream.bin', { stream: Readable.from([fileData.subarray(0, 1000), fileData.subarray(1000)]), length: fileData.length });
      assert.equal(fromStream.crc64, fromFile.crc64);
      const head = await client.headObject(BUCKET, 'a/hello.txt');
      assert.equal(head.size, 11);
      assert.equal(head.crc64, put.crc64);
      assert.equal(head.contentType, 'text/plain');
      assert.equal(head.metadata.author, 'Ada');
      assert.deepEqual(head.encryption, { algorithm: 'AES256' });
      await assert.rejects(client.headObject(BUCKET, 'a/missing'), { code: 'NoSuchKey' });
    });

    it('reads whole objects, ranges and downloads to a file', async (t) => {
      if (!ready(t)) return;
      const { data } = await randomFile(folder.dir, 'r.bin', 200_000);
      await client.putObject(BUCKET, 'read/r.bin', data);
      const whole = await client.getObject(BUCKET, 'read/r.bin');
      assert.equal(whole.status, 200);
      assert.deepEqual(Buffer.concat(await whole.body.toArray()), data);
      const ranged = await client.getObject(BUCKET, 'read/r.bin', { range: { start: 10, end: 19 } });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.info.size, data.length);
      assert.deepEqual(Buffer.concat(await ranged.body.toArray()), data.subarray(10, 20));
      const destination = path.join(folder.dir, 'download.bin');
      const info = await client.getObjectToFile(BUCKET, 'read/r.bin', destination);
      assert.equal(info.crc64, crc64(data).toString());
      assert.deepEqual(await readFile(destination), data);
    });

    it('lists pages with prefixes, delimiters and url-encoded keys, and iterates all pages', async (t) => {
      if (!ready(t)) return;
      const keys = ['list/a b.txt', 'list/c+d.txt', 'list/测试.txt', 'list/sub/x.txt', 'list/sub/y.txt', 'list/z%41.txt'];
      for (const key of keys) await client.putObject(BUCKET, key, Buffer.from(key));
      const top = await client.listObjects(BUCKET, { prefix: 'list/', delimiter: '/' });
      assert.deepEqual(top.commonPrefixes, ['list/sub/']);
      assert.deepEqual(top.contents.map((entry) => entry.key).sort(), keys.filter((key) => !key.includes('sub/')).sort());
      const page = await client.listObjects(BUCKET, { prefix: 'list/', maxKeys: 2 });
      assert.equal(page.contents.length, 2);
      assert.equal(page.isTruncated, true);
      const all: string[] = [];
      for await (const entry of client.listAllObjects(BUCKET, { prefix: 'list/', maxKeys: 2 })) all.push(entry.key);
      assert.deepEqual(all.sort(), [...keys].sort());
    });

    it('deletes one object (missing keys too) and many objects', async (t) => {
      if (!ready(t)) return;
      await client.putObject(BUCKET, 'del/one', Buffer.from('1'));
      await client.deleteObject(BUCKET, 'del/one');
      await client.deleteObject(BUCKET, 'del/one');
      await assert.rejects(client.headObject(BUCKET, 'del/one'), { code: 'NoSuchKey' });
      const keys = Array.from({ length: 5 }, (_, index) => `del/many-${index}`);
      for (const key of keys) await client.putObject(BUCKET, key, Buffer.from(key));
      const result = await client.deleteObjects(BUCKET, keys);
      assert.deepEqual(result.deleted.sort(), keys);
      assert.equal((await client.listObjects(BUCKET, { prefix: 'del/' })).contents.length, 0);
    });

    it('copies with metadata directives and destination SSE', async (t) => {
      if (!ready(t)) return;
      await client.putObject(BUCKET, 'copy/src', Buffer.from('copy me'), { contentType: 'text/plain', metadata: { tag: 'one' } });
      const copied = await client.copyObject(BUCKET, 'copy/dst', { key: 'copy/src' });
      assert.deepEqual(copied.encryption, { algorithm: 'AES256' });
      assert.equal((await client.headObject(BUCKET, 'copy/dst')).metadata.tag, 'one');
      await client.copyObject(BUCKET, 'copy/dst', { key: 'copy/src' }, { metadataDirective: 'Replaced', metadata: { tag: 'two' }, contentType: 'text/x-new' });
      const head = await client.headObject(BUCKET, 'copy/dst');
      assert.equal(head.metadata.tag, 'two');
      assert.equal(head.crc64, crc64(Buffer.from('copy me')).toString());
    });

    it('writes and reads SSE-C objects with the key on every request, and copies them with a source key', async (t) => {
      if (!ready(t)) return;
      const sse = { mode: 'customer' as const, key: customerKey };
      const put = await client.putObject(BUCKET, 'ssec/obj', Buffer.from('secret'), { sse });
      assert.equal(put.encryption.algorithm, 'SSE-C');
      const head = await client.headObject(BUCKET, 'ssec/obj', { customerKey });
      assert.equal(head.encryption.algorithm, 'SSE-C');
      await assert.rejects(client.headObject(BUCKET, 'ssec/obj'));
      const read = await client.getObject(BUCKET, 'ssec/obj', { customerKey });
      assert.equal(Buffer.concat(await read.body.toArray()).toString(), 'secret');
      const copied = await client.copyObject(BUCKET, 'ssec/plain-copy', { key: 'ssec/obj', customerKey });
      assert.deepEqual(copied.encryption, { algorithm: 'AES256' });
    });

    it('runs the multipart calls one by one: initiate, parts, part copy, list, complete, abort', async (t) => {
      if (!ready(t)) return;
      const { file, data } = await randomFile(folder.dir, 'mp.bin', MiB + 1000);
      await client.putObject(BUCKET, 'mp/source', data);
      const { uploadId, encryption } = await client.initiateMultipartUpload(BUCKET, 'mp/object', { contentType: 'application/x-test' });
      assert.deepEqual(encryption, { algorithm: 'AES256' });
      const first = await client.uploadPart(BUCKET, 'mp/object', uploadId, 1, { path: file, offset: 0, length: MiB });
      assert.equal(first.crc64, crc64(data.subarray(0, MiB)).toString());
      const second = await client.uploadPartCopy(BUCKET, 'mp/object', uploadId, 2, { key: 'mp/source' }, { range: { start: MiB, end: MiB + 999 } });
      const uploads = await client.listMultipartUploads(BUCKET, { prefix: 'mp/' });
      assert.ok(uploads.uploads.some((upload) => upload.uploadId === uploadId && upload.key === 'mp/object'));
      const parts = await client.listParts(BUCKET, 'mp/object', uploadId);
      assert.deepEqual(parts.map((part) => [part.partNumber, part.size]), [[1, MiB], [2, 1000]]);
      const done = await client.completeMultipartUpload(BUCKET, 'mp/object', uploadId, [second, first], { sse: { mode: 'AES256' } });
      assert.equal(done.crc64, crc64(data).toString());
      assert.equal((await client.headObject(BUCKET, 'mp/object')).size, data.length);
      const other = await client.initiateMultipartUpload(BUCKET, 'mp/aborted');
      await client.abortMultipartUpload(BUCKET, 'mp/aborted', other.uploadId);
      await assert.rejects(client.listParts(BUCKET, 'mp/aborted', other.uploadId), { code: 'NoSuchUpload' });
    });

    it('uploads with a signed POST form, SSE as a form field', async (t) => {
      if (!ready(t)) return;
      const result = await client.postObject(BUCKET, 'form/posted.txt', Buffer.from('posted body'), { contentType: 'text/plain', metadata: { via: 'form' } });
      assert.deepEqual(result.encryption, { algorithm: 'AES256' });
      const head = await client.headObject(BUCKET, 'form/posted.txt');
      assert.equal(head.size, 11);
      assert.equal(head.encryption.algorithm, 'AES256');
    });

    it('uploadFile: a single PUT and a parallel multipart upload, both verified', async (t) => {
      if (!ready(t)) return;
      const small = await randomFile(folder.dir, 'small.bin', 100_000);
      const single = await client.uploadFile(BUCKET, 'up/small.bin', small.file);
      assert.equal(single.uploadId, undefined);
      assert.equal(single.crc64, crc64(small.data).toString());
      const big = await randomFile(folder.dir, 'big.bin', 5 * MiB + 123);
      const multi = await client.uploadFile(BUCKET, 'up/big.bin', big.file, { multipartThreshold: 2 * MiB, partSize: MiB, concurrency: 3 });
      assert.ok(multi.uploadId);
      assert.equal(multi.crc64, crc64(big.data).toString());
      assert.equal(multi.crc64Verified, true);
      assert.deepEqual(multi.encryption, { algorithm: 'AES256' });
      const head = await client.headObject(BUCKET, 'up/big.bin');
      assert.equal(head.crc64, multi.crc64);
    });
  });
}
