/** Bucket names per endpoint kind: COS NAME-APPID for real COS, S3 names too for compatible servers; dotted virtual hosts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CosClient } from '../../core/cos/cosClient.ts';
import { bucketAppId, isCosBucketName, isS3BucketName, isValidBucketName, parseBucketHost } from '../../core/protocol/bucketHost.ts';
import { endpointCapabilities, endpointKind } from '../../core/protocol/endpointCapabilities.ts';

describe('bucket names', () => {
  it('applies the S3 naming rules', () => {
    for (const name of ['abc', 'my-test-bucket', 'my.dotted.bucket', '1stbucket', 'a'.repeat(63), 'photos-1250000000']) assert.equal(isS3BucketName(name), true, name);
    for (const name of ['ab', 'a'.repeat(64), '_x', 'Foo', 'foo_bar', 'foo-', '.foo', 'foo..bar', 'foo.-bar', 'foo-.bar', '192.168.5.123', 'xn--abc', 'sthree-abc', 'abc-s3alias', 'abc--ol-s3', 'abc.mrap']) {
      assert.equal(isS3BucketName(name), false, name);
    }
  });

  it('tells the COS form apart and reads its APPID', () => {
    assert.equal(isCosBucketName('photos-1250000000'), true);
    assert.equal(isCosBucketName('my-test-bucket'), false);
    assert.equal(bucketAppId('my-photos-1250000000'), '1250000000');
    assert.equal(bucketAppId('my.dotted.bucket'), undefined);
    assert.equal(isValidBucketName('my.dotted.bucket'), true);
  });

  it('parses dotted buckets from COS virtual hosts', () => {
    assert.deepEqual(parseBucketHost('my.dotted.bucket.cos.ap-guangzhou.myqcloud.com:9000'), { bucket: 'my.dotted.bucket', region: 'ap-guangzhou', domain: 'myqcloud.com' });
    assert.equal(parseBucketHost('foo..bar.cos.ap-guangzhou.myqcloud.com'), undefined);
  });

  it('keeps NAME-APPID for real COS and accepts S3 names elsewhere', () => {
    assert.equal(endpointKind(undefined), 'cos');
    assert.equal(endpointKind('https://cos.ap-guangzhou.myqcloud.com'), 'cos');
    assert.equal(endpointKind('https://photos-1250000000.cos.ap-beijing.tencentcos.cn'), 'cos');
    assert.equal(endpointKind('http://127.0.0.1:9000'), 'compatible');
    assert.equal(endpointCapabilities(undefined).isBucketName('my-test-bucket'), false);
    assert.equal(endpointCapabilities('http://127.0.0.1:9000').isBucketName('my-test-bucket'), true);
  });

  it('the client refuses S3 names only for real COS', async () => {
    const credentials = { secretId: 'AKIDtest', secretKey: 'secret' };
    const cos = new CosClient({ credentials, region: 'ap-guangzhou' });
    const engine = new CosClient({ credentials, region: 'ap-guangzhou', endpoint: 'http://127.0.0.1:9', pathStyle: true });
    try {
      assert.throws(() => cos.transport.target('my-test-bucket'), (error: Error & { code?: string; hint?: string }) => error.code === 'InvalidBucketName' && /NAME-APPID/.test(error.hint ?? ''));
      assert.equal(cos.transport.target('photos-1250000000').host, 'photos-1250000000.cos.ap-guangzhou.myqcloud.com');
      assert.equal(engine.transport.target('my.dotted.bucket', 'k').path, '/my.dotted.bucket/k');
    } finally {
      await cos.close();
      await engine.close();
    }
  });
});
