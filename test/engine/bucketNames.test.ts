/** Bucket names S3 tools use: S3 names (dotted too) and NAME-APPID, path-style and both virtual-host forms, create/list/head/delete as S3 answers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestEngine } from './engineClient.ts';

const codeOf = (text: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

describe('bucket names', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('creates, lists, heads and deletes S3-named buckets (empty and non-empty) as S3 does', async () => {
    const bucket = 'my-test-bucket';
    const created = await t.request({ method: 'PUT', bucket, style: 'path' });
    assert.equal(created.status, 200, created.text);
    const again = await t.request({ method: 'PUT', bucket, style: 'path' });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again.text), 'BucketAlreadyOwnedByYou');

    const listing = await t.request({ style: 'path', bucket: '', rawPath: '/' });
    assert.match(listing.text, /<Name>my-test-bucket<\/Name>/);
    assert.equal((await t.request({ method: 'HEAD', bucket, style: 'path' })).status, 200);

    assert.equal((await t.request({ method: 'PUT', bucket, style: 'path', key: 'a.txt', body: 'hello' })).status, 200);
    const notEmpty = await t.request({ method: 'DELETE', bucket, style: 'path' });
    assert.equal(notEmpty.status, 409);
    assert.equal(codeOf(notEmpty.text), 'BucketNotEmpty');
    assert.match((await t.request({ bucket, style: 'path' })).text, /<Key>a\.txt<\/Key>/);
    assert.equal((await t.request({ method: 'DELETE', bucket, style: 'path', key: 'a.txt' })).status, 204);

    assert.equal((await t.request({ method: 'DELETE', bucket, style: 'path' })).status, 204);
    assert.equal((await t.request({ method: 'HEAD', bucket, style: 'path' })).status, 404);
    const gone = await t.request({ method: 'DELETE', bucket, style: 'path' });
    assert.equal(gone.status, 404);
    assert.equal(codeOf(gone.text), 'NoSuchBucket');
    assert.equal(codeOf((await t.request({ bucket, style: 'path' })).text), 'NoSuchBucket');
  });

  it('serves a dotted name path-style, as <bucket>.cos.<region>.myqcloud.com and as <bucket>.localhost', async () => {
    const bucket = 'my.dotted.bucket';
    assert.equal((await t.request({ method: 'PUT', bucket, style: 'path' })).status, 200);
    assert.equal((await t.request({ method: 'PUT', bucket, style: 'path', key: 'p.txt', body: 'path' })).status, 200);
    assert.equal((await t.request({ bucket, key: 'p.txt', style: 'virtual' })).text, 'path');
    assert.equal((await t.request({ bucket, key: 'p.txt', style: 's3-virtual' })).text, 'path');
    assert.equal((await t.request({ method: 'PUT', bucket, key: 'v.txt', style: 's3-virtual', body: 'virtual' })).status, 200);
    assert.equal((await t.request({ bucket, key: 'v.txt', style: 'path' })).text, 'virtual');
    assert.match((await t.request({ bucket, style: 's3-virtual' })).text, /<Name>my\.dotted\.bucket<\/Name>[\s\S]*<Key>p\.txt<\/Key>[\s\S]*<Key>v\.txt<\/Key>/);
    for (const source of ['my.dotted.bucket/p.txt', '/my.dotted.bucket/p.txt', `127.0.0.1:${t.engine.port}/my.dotted.bucket/p.txt`, 'my.dotted.bucket.cos.ap-guangzhou.myqcloud.com/p.txt']) {
      const copied = await t.request({ method: 'PUT', key: 'copied.txt', headers: { 'x-cos-copy-source': source } });
      assert.equal(copied.status, 200, `${source}: ${copied.text}`);
      assert.equal((await t.request({ key: 'copied.txt' })).text, 'path');
    }
    assert.equal((await t.request({ method: 'DELETE', bucket, key: 'p.txt', style: 's3-virtual' })).status, 204);
    assert.equal((await t.request({ method: 'DELETE', bucket, key: 'v.txt' })).status, 204);
    assert.equal((await t.request({ method: 'DELETE', bucket, style: 's3-virtual' })).status, 204);
  });

  it('keeps NAME-APPID buckets and creates them S3-style too', async () => {
    assert.equal((await t.request({ method: 'HEAD', style: 'path' })).status, 200);
    assert.equal((await t.request({ method: 'PUT', bucket: 'photos-1250000000', style: 'path' })).status, 200);
    assert.equal((await t.request({ method: 'HEAD', bucket: 'photos-1250000000' })).status, 200);
    assert.equal((await t.request({ method: 'DELETE', bucket: 'photos-1250000000' })).status, 204);
  });

  it('accepts 3 to 63 characters and answers InvalidBucketName to what S3 refuses', async () => {
    for (const name of ['abc', 'a'.repeat(60), 'b'.repeat(63), 'foo.bar', 'foo-bar', '1stbucket']) {
      const response = await t.request({ method: 'PUT', bucket: name, style: 'path' });
      assert.equal(response.status, 200, `${name}: ${response.text}`);
      assert.equal((await t.request({ method: 'DELETE', bucket: name, style: 'path' })).status, 204);
    }
    for (const name of ['_x', 'aa', 'a'.repeat(64), '192.168.5.123', 'foo_bar', 'foo-', '-foo', 'foo..bar', 'foo.-bar', 'foo-.bar', 'Foo', 'xn--foo', 'foo-s3alias']) {
      const response = await t.request({ method: 'PUT', bucket: name, style: 'path' });
      assert.equal(response.status, 400, name);
      assert.equal(codeOf(response.text), 'InvalidBucketName', name);
    }
  });
});
