/** Tests the COS XML bodies: build→parse round trips, SDK- and doc-shaped inputs, url encoding, malformed input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CosError } from '../../core/protocol/cosError.ts';
import * as xml from '../../core/protocol/xml.ts';

const weirdKeys = ['a b.txt', ' lead and trail ', '中文/文件 名.md', 'a&b<c>d"e\'f', 'plus+sign%25', 'emoji 😀/x', 'dir/sub dir/'];

const objects = (n: number): xml.DeleteTarget[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}` }));

function assertCosError(fn: () => unknown, code: string, status = 400): void {
  assert.throws(fn, (error: unknown) => error instanceof CosError && error.code === code && error.status === status);
}

describe('ListBucketResult (V1)', () => {
  const sample: xml.ListObjectsResult = {
    name: 'examplebucket-1250000000',
    prefix: 'dir/',
    marker: '',
    maxKeys: 1000,
    delimiter: '/',
    isTruncated: true,
    nextMarker: 'dir/a.txt',
    contents: [
      { key: 'dir/a.txt', lastModified: '2020-12-10T03:37:30.000Z', etag: '"f173c1199e3d3b53dd91223cae16fb42"', size: 37, storageClass: 'STANDARD', owner: { id: '1250000000', displayName: '1250000000' } },
      { key: 'dir/b', lastModified: '2020-12-10T03:37:31.000Z', etag: '"aa"', size: 0, storageClass: 'INTELLIGENT_TIERING', storageTier: 'FREQUENT' },
    ],
    commonPrefixes: ['dir/sub/'],
  };

  it('round-trips build → parse', () => {
    assert.deepEqual(xml.parseListObjectsResult(xml.buildListObjectsResult(sample)), sample);
    const empty: xml.ListObjectsResult = { name: 'b-1', prefix: '', marker: '', maxKeys: 1000, isTruncated: false, contents: [], commonPrefixes: [] };
    assert.deepEqual(xml.parseListObjectsResult(xml.buildListObjectsResult(empty)), empty);
  });

  it('writes lowercase booleans and quoted ETags escaped as &quot;', () => {
    const body = xml.buildListObjectsResult(sample);
    assert.match(body, /^<ListBucketResult><Name>examplebucket-1250000000<\/Name><Prefix>dir\/<\/Prefix>/);
    assert.match(body, /<IsTruncated>true<\/IsTruncated><NextMarker>dir\/a.txt<\/NextMarker>/);
    assert.match(body, /<ETag>&quot;f173c1199e3d3b53dd91223cae16fb42&quot;<\/ETag>/);
    assert.equal(xml.xmlRootName(body), 'ListBucketResult');
  });

  it('parses the documented shape, with whitespace, declaration and a single Contents as an array', () => {
    const doc = `<?xml version='1.0' encoding='utf-8' ?>
<ListBucketResult>
  <Name>examplebucket-1250000000</Name>
  <Prefix/> <Marker/> <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated>
  <CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>
  <Contents>
    <Key>a.txt</Key><LastModified>2020-12-10T03:37:30.000Z</LastModified>
    <ETag>&quot;f173c1199e3d3b53dd91223cae16fb42&quot;</ETag><Size>37</Size>
    <Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>`;
    const result = xml.parseListObjectsResult(doc);
    assert.equal(result.prefix, '');
    assert.equal(result.delimiter, '/');
    assert.equal(result.isTruncated, false);
    assert.equal(result.nextMarker, undefined);
    assert.deepEqual(result.commonPrefixes, ['dir/']);
    assert.equal(result.contents.length, 1);
    assert.deepEqual(result.contents[0], {
      key: 'a.txt', lastModified: '2020-12-10T03:37:30.000Z', etag: '"f173c1199e3d3b53dd91223cae16fb42"', size: 37, storageClass: 'STANDARD',
      owner: { id: '1250000000', displayName: '1250000000' },
    });
    assert.equal(typeof result.contents[0]!.size, 'number');
  });

  it('keeps significant whitespace and decodes entities and character references without encoding-type', () => {
    const doc = '<ListBucketResult><Name>b</Name><Prefix></Prefix><Marker></Marker><MaxKeys>2</MaxKeys><IsTruncated>FALSE</IsTruncated>' +
      '<Contents><Key> a&amp;b &#x4e2d;&#25991; </Key><ETag>"x"</ETag><Size>1</Size></Contents></ListBucketResult>';
    const result = xml.parseListObjectsResult(doc);
    assert.equal(result.contents[0]!.key, ' a&b 中文 ');
    assert.equal(result.contents[0]!.storageClass, 'STANDARD');
    assert.equal(result.isTruncated, false);
  });

  it('encodes with encoding-type=url on build and decodes on parse', () => {
    const encoded: xml.ListObjectsResult = {
      name: 'b-1', prefix: '中文/', marker: 'a b', maxKeys: 10, delimiter: '/', isTruncated: true, nextMarker: weirdKeys[3], encodingType: 'url',
      contents: weirdKeys.map((key) => ({ key, lastModified: 'T', etag: '"e"', size: 1, storageClass: 'STANDARD' })),
      commonPrefixes: ['sp ace/', '&<>/'],
    };
    const body = xml.buildListObjectsResult(encoded);
    assert.match(body, /<EncodingType>url<\/EncodingType>/);
    assert.match(body, /<Key>a%20b.txt<\/Key>/);
    assert.match(body, /<Key>a%26b%3Cc%3Ed%22e%27f<\/Key>/);
    assert.match(body, /<Key>plus%2Bsign%2525<\/Key>/);
    assert.match(body, /<Prefix>%E4%B8%AD%E6%96%87\/<\/Prefix>/);
    assert.doesNotMatch(body, /中/);
    assert.deepEqual(xml.parseListObjectsResult(body), encoded);
  });

  it('decodes COS-style encoded values, including + as space and invalid escapes left alone', () => {
    const doc = '<ListBucketResult><Name>b</Name><EncodingType>url</EncodingType><Prefix>my+dir%2F</Prefix><Marker>m%ZZ%20x</Marker>' +
      '<MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>a%2Fb%2F</Prefix></CommonPrefixes>' +
      '<Contents><Key>%E4%B8%AD+%26%3C.txt</Key><ETag>&quot;e&quot;</ETag><Size>5</Size></Contents></ListBucketResult>';
    const result = xml.parseListObjectsResult(doc);
    assert.equal(result.prefix, 'my dir/');
    assert.equal(result.marker, 'm%ZZ x');
    assert.equal(result.delimiter, '/');
    assert.deepEqual(result.commonPrefixes, ['a/b/']);
    assert.equal(result.contents[0]!.key, '中 &<.txt');
  });

  it('parses a 1000-entry listing', () => {
    const big: xml.ListObjectsResult = {
      name: 'b-1', prefix: '', marker: '', maxKeys: 1000, isTruncated: true, nextMarker: 'k0999',
      contents: Array.from({ length: 1000 }, (_, i) => ({ key: `k${String(i).padStart(4, '0')}`, lastModified: 'T', etag: '"e"', size: i, storageClass: 'STANDARD' })),
      commonPrefixes: [],
    };
    assert.deepEqual(xml.parseListObjectsResult(xml.buildListObjectsResult(big)), big);
  });
});

describe('ListBucketResult (V2)', () => {
  it('round-trips with tokens, start-after and url encoding', () => {
    const sample: xml.ListObjectsV2Result = {
      name: 'b-1', prefix: 'p q/', maxKeys: 2, keyCount: 2, delimiter: '/', isTruncated: true, continuationToken: 'tok+/=', nextContinuationToken: 'next==',
      startAfter: 'p q/0', encodingType: 'url',
      contents: [{ key: 'p q/a', lastModified: 'T', etag: '"e"', size: 1, storageClass: 'STANDARD' }], commonPrefixes: ['p q/dir/'],
    };
    const body = xml.buildListObjectsV2Result(sample);
    assert.match(body, /<KeyCount>2<\/KeyCount>/);
    assert.match(body, /<ContinuationToken>tok\+\/=<\/ContinuationToken>/);
    assert.match(body, /<StartAfter>p%20q\/0<\/StartAfter>/);
    assert.deepEqual(xml.parseListObjectsV2Result(body), sample);
  });

  it('derives KeyCount when absent', () => {
    const result = xml.parseListObjectsV2Result('<ListBucketResult><Name>b</Name><Prefix/><MaxKeys>5</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>');
    assert.equal(result.keyCount, 1);
    assert.equal(result.nextContinuationToken, undefined);
  });
});

describe('ListAllMyBucketsResult', () => {
  it('round-trips and accepts one bucket or none', () => {
    const sample: xml.ListBucketsResult = {
      owner: { id: 'qcs::cam::uin/100000000001:uin/100000000001', displayName: '100000000001' },
      buckets: [{ name: 'examplebucket1-1250000000', location: 'ap-beijing', creationDate: '2019-05-24T11:20:10Z', bucketType: 'cos' }],
    };
    assert.deepEqual(xml.parseListBucketsResult(xml.buildListBucketsResult(sample)), sample);
    const two = { ...sample, buckets: [...sample.buckets, { name: 'b2-1250000000', location: 'ap-guangzhou', creationDate: '2020-01-01T00:00:00Z' }], isTruncated: false, maxKeys: 2 };
    assert.deepEqual(xml.parseListBucketsResult(xml.buildListBucketsResult(two)), two);
    assert.deepEqual(xml.parseListBucketsResult('<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets/></ListAllMyBucketsResult>').buckets, []);
  });
});

describe('multipart bodies', () => {
  it('round-trips InitiateMultipartUploadResult and parses the doc example', () => {
    const sample = { bucket: 'examplebucket-1250000000', key: 'dir/例 子&.bin', uploadId: '1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361' };
    assert.deepEqual(xml.parseInitiateMultipartUploadResult(xml.buildInitiateMultipartUploadResult(sample)), sample);
    assert.equal(xml.parseInitiateMultipartUploadResult('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>').uploadId, 'u1');
  });

  it('parses CompleteMultipartUpload in any element order with quoted, escaped or bare ETags', () => {
    const sdk = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;39270a968a357d24207e9911162507eb&quot;</ETag></Part>' +
      '<Part><ETag>"aa"</ETag><PartNumber>2</PartNumber></Part><Part><ETag> bb </ETag><PartNumber>3</PartNumber></Part></CompleteMultipartUpload>';
    assert.deepEqual(xml.parseCompleteMultipartUpload(sdk).parts, [
      { partNumber: 1, etag: '"39270a968a357d24207e9911162507eb"' },
      { partNumber: 2, etag: '"aa"' },
      { partNumber: 3, etag: '"bb"' },
    ]);
    // Document order is kept (ordering is the server's InvalidPartOrder check).
    const unordered = xml.parseCompleteMultipartUpload('<CompleteMultipartUpload>\n <Part><PartNumber>2</PartNumber><ETag>"b"</ETag></Part>\n <Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part>\n</CompleteMultipartUpload>');
    assert.deepEqual(unordered.parts.map((part) => part.partNumber), [2, 1]);
  });

  it('builds CompleteMultipartUpload as the SDK does and round-trips 10000 parts', () => {
    assert.equal(
      xml.buildCompleteMultipartUpload({ parts: [{ partNumber: 1, etag: '39270a96' }, { partNumber: 2, etag: '"aa"' }] }),
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;39270a96&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;aa&quot;</ETag></Part></CompleteMultipartUpload>',
    );
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ partNumber: i + 1, etag: `"${i.toString(16).padStart(32, '0')}"` }));
    const body = xml.buildCompleteMultipartUpload({ parts });
    assert.ok(body.length < 1_100_000);
    assert.deepEqual(xml.parseCompleteMultipartUpload(body).parts, parts);
  });

  it('rejects Complete parts without a number or ETag', () => {
    assertCosError(() => xml.parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><ETag>"a"</ETag></Part></CompleteMultipartUpload>'), 'MalformedXML');
    assertCosError(() => xml.parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>'), 'MalformedXML');
    assertCosError(() => xml.parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>'), 'MalformedXML');
    assert.deepEqual(xml.parseCompleteMultipartUpload('<CompleteMultipartUpload/>').parts, []);
  });

  it('round-trips CompleteMultipartUploadResult and parses it after keep-alive whitespace', () => {
    const sample = { location: 'http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject', bucket: 'examplebucket-1250000000', key: 'exampleobject', etag: '"aa259a62513358f69e98e72e59856d88-3"' };
    const body = xml.buildCompleteMultipartUploadResult(sample);
    assert.deepEqual(xml.parseCompleteMultipartUploadResult(`${' \n'.repeat(5000)}<?xml version="1.0" encoding="UTF-8"?>${body}`), sample);
    const doc = `<CompleteMultipartUploadResult xmlns="http://www.qcloud.com/document/product/436/7751">
  <Location>${sample.location}</Location>
  <Bucket>${sample.bucket}</Bucket><Key>${sample.key}</Key>
  <ETag>&quot;aa259a62513358f69e98e72e59856d88-3&quot;</ETag>
</CompleteMultipartUploadResult>`;
    assert.deepEqual(xml.parseCompleteMultipartUploadResult(doc), sample);
  });

  it('turns a 200 whose body is <Error> into the described CosError', () => {
    const body = '   \n<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>merge failed</Message><RequestId>rid-1</RequestId><TraceId>t-1</TraceId></Error>';
    assert.equal(xml.xmlRootName(body), 'Error');
    assert.throws(() => xml.parseCompleteMultipartUploadResult(body), (error: unknown) => {
      assert.ok(error instanceof CosError);
      assert.equal(error.code, 'InternalError');
      assert.equal(error.status, 500);
      assert.equal(error.retry, 'retry');
      assert.equal(error.requestId, 'rid-1');
      assert.equal(error.traceId, 't-1');
      assert.equal(error.serverMessage, 'merge failed');
      return true;
    });
    assert.throws(() => xml.parseCopyObjectResult('<Error><Code>SlowDown</Code><Message>x</Message></Error>'), (error: unknown) => error instanceof CosError && error.code === 'SlowDown' && error.retryable);
  });

  it('round-trips ListPartsResult and parses the doc example', () => {
    const sample: xml.ListPartsResult = {
      bucket: 'examplebucket-1250000000', key: 'exampleobject', uploadId: 'u-1', owner: { id: '1', displayName: 'one' }, initiator: { id: '2', displayName: 'two' },
      partNumberMarker: 0, nextPartNumberMarker: 2, storageClass: 'Standard', maxParts: 1000, isTruncated: false,
      parts: [
        { partNumber: 1, lastModified: '2020-03-25T10:07:14.000Z', etag: '"39270a968a357d24207e9911162507eb"', size: 1048576 },
        { partNumber: 2, lastModified: '2020-03-25T10:07:15.000Z', etag: '"aa"', size: 5 },
      ],
    };
    const body = xml.buildListPartsResult(sample);
    assert.match(body, /<EncodingType><\/EncodingType>/);
    assert.deepEqual(xml.parseListPartsResult(body), sample);
    const one = xml.parseListPartsResult(`<ListPartsResult>
  <Bucket>examplebucket-1250000000</Bucket><EncodingType/><Key>exampleobject</Key><UploadId>abc</UploadId>
  <Owner><ID>..</ID><DisplayName>..</DisplayName></Owner><Initiator><ID>..</ID><DisplayName>..</DisplayName></Initiator>
  <PartNumberMarker>0</PartNumberMarker>
  <Part><PartNumber>1</PartNumber><LastModified>2020-03-25T10:07:14.000Z</LastModified><ETag>&quot;39270a96&quot;</ETag><Size>1048576</Size></Part>
  <NextPartNumberMarker>3</NextPartNumberMarker><StorageClass>Standard</StorageClass><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>
</ListPartsResult>`);
    assert.equal(one.encodingType, undefined);
    assert.equal(one.parts.length, 1);
    assert.equal(one.parts[0]!.etag, '"39270a96"');
    assert.equal(one.nextPartNumberMarker, 3);
    const encoded = { ...sample, key: 'a b/中&.bin', encodingType: 'url' };
    assert.match(xml.buildListPartsResult(encoded), /<Key>a%20b\/%E4%B8%AD%26.bin<\/Key>/);
    assert.deepEqual(xml.parseListPartsResult(xml.buildListPartsResult(encoded)), encoded);
  });

  it('round-trips ListMultipartUploadsResult with UploadID, and parses UploadId and EncodingType too', () => {
    const sample: xml.ListMultipartUploadsResult = {
      bucket: 'b-1', encodingType: 'url', keyMarker: 'k m', uploadIdMarker: 'u0', nextKeyMarker: 'k&n', nextUploadIdMarker: 'u2', maxUploads: 2, prefix: 'p q',
      delimiter: '/', isTruncated: true,
      uploads: [
        { key: 'p q/中 1', uploadId: 'u1', storageClass: 'Standard', initiator: { id: '1', displayName: '1' }, owner: { id: '1', displayName: '1' }, initiated: '2017-01-18T08:54:30.000Z' },
        { key: 'p q/2', uploadId: 'u2', storageClass: 'STANDARD', initiated: '2017-01-18T08:54:31.000Z' },
      ],
      commonPrefixes: ['p q/d/'],
    };
    const body = xml.buildListMultipartUploadsResult(sample);
    assert.match(body, /<Encoding-Type>url<\/Encoding-Type>/);
    assert.match(body, /<UploadID>u1<\/UploadID>/);
    assert.deepEqual(xml.parseListMultipartUploadsResult(body), sample);
    const plain = { ...sample, encodingType: undefined };
    delete plain.encodingType;
    assert.deepEqual(xml.parseListMultipartUploadsResult(xml.buildListMultipartUploadsResult(plain)), plain);
    const s3 = xml.parseListMultipartUploadsResult('<ListMultipartUploadsResult><Bucket>b</Bucket><EncodingType>url</EncodingType><KeyMarker/><UploadIdMarker/><MaxUploads>1000</MaxUploads><Prefix/><IsTruncated>false</IsTruncated>' +
      '<Upload><Key>a%20b</Key><UploadId>s3-style</UploadId><StorageClass>STANDARD</StorageClass><Initiated>t</Initiated></Upload></ListMultipartUploadsResult>');
    assert.equal(s3.uploads.length, 1);
    assert.equal(s3.uploads[0]!.uploadId, 's3-style');
    assert.equal(s3.uploads[0]!.key, 'a b');
  });
});

describe('copy results', () => {
  it('round-trips CopyObjectResult and CopyPartResult and parses the doc examples', () => {
    const object = { etag: '"5603c4d142301f2a802d68e2078ed615"', lastModified: '2019-09-06T03:17:47Z', versionId: 'v1' };
    assert.deepEqual(xml.parseCopyObjectResult(xml.buildCopyObjectResult(object)), object);
    const doc = xml.parseCopyObjectResult('<CopyObjectResult><ETag>"5603c4d142301f2a802d68e2078ed615"</ETag><LastModified>2019-09-06T03:17:47Z</LastModified></CopyObjectResult>');
    assert.deepEqual(doc, { etag: '"5603c4d142301f2a802d68e2078ed615"', lastModified: '2019-09-06T03:17:47Z' });
    const part = { etag: '"aa"', lastModified: '2019-09-06T03:17:47Z' };
    assert.deepEqual(xml.parseCopyPartResult(xml.buildCopyPartResult(part)), part);
  });
});

describe('Delete / DeleteResult', () => {
  it('round-trips the Delete request with Quiet first', () => {
    const sample: xml.DeleteRequest = { quiet: false, objects: [{ key: 'a' }, { key: 'b/c', versionId: 'v1' }, ...weirdKeys.map((key) => ({ key }))] };
    const body = xml.buildDeleteRequest(sample);
    assert.match(body, /^<Delete><Quiet>false<\/Quiet><Object><Key>a<\/Key><\/Object><Object><Key>b\/c<\/Key><VersionId>v1<\/VersionId><\/Object>/);
    assert.deepEqual(xml.parseDeleteRequest(body), sample);
  });

  it('keeps keys that look like numbers, booleans, whitespace or prototype names', () => {
    const keys = ['   ', '0', '007', '1e5', 'true', '\t tab', 'a\nb', '__proto__', 'constructor'];
    const body = xml.buildDeleteRequest({ quiet: false, objects: keys.map((key) => ({ key })) });
    assert.deepEqual(xml.parseDeleteRequest(body).objects.map((object) => object.key), keys);
  });

  it('parses the SDK shape (Quiet after the objects) and one object', () => {
    const sdk = xml.parseDeleteRequest('<Delete><Object><Key>1.txt</Key></Object><Quiet>true</Quiet></Delete>');
    assert.deepEqual(sdk, { quiet: true, objects: [{ key: '1.txt' }] });
    assert.equal(xml.parseDeleteRequest('<Delete><Object><Key>x</Key></Object></Delete>').quiet, false);
  });

  it('enforces 1..1000 objects, each with a key', () => {
    assert.equal(xml.parseDeleteRequest(xml.buildDeleteRequest({ quiet: true, objects: objects(1000) })).objects.length, 1000);
    assertCosError(() => xml.parseDeleteRequest(xml.buildDeleteRequest({ quiet: true, objects: objects(1001) })), 'MalformedXML');
    assertCosError(() => xml.parseDeleteRequest('<Delete><Quiet>true</Quiet></Delete>'), 'MalformedXML');
    assertCosError(() => xml.parseDeleteRequest('<Delete><Object><VersionId>v</VersionId></Object></Delete>'), 'MalformedXML');
    assert.equal(xml.parseDeleteRequest(xml.buildDeleteRequest({ quiet: true, objects: objects(3) }), { maxObjects: 3 }).objects.length, 3);
  });

  it('round-trips DeleteResult and parses the doc example and the empty quiet result', () => {
    const sample: xml.DeleteResult = {
      deleted: [{ key: 'a' }, { key: 'x', deleteMarker: true, deleteMarkerVersionId: 'dm1' }, { key: 'v', versionId: 'v2' }],
      errors: [{ key: 'y', versionId: 'v3', code: 'PathConflict', message: 'Path conflict.' }],
    };
    assert.deepEqual(xml.parseDeleteResult(xml.buildDeleteResult(sample)), sample);
    assert.deepEqual(xml.parseDeleteResult('<DeleteResult/>'), { deleted: [], errors: [] });
    assert.deepEqual(xml.parseDeleteResult(xml.buildDeleteResult({ deleted: [], errors: [] })), { deleted: [], errors: [] });
    const doc = xml.parseDeleteResult(`<DeleteResult>
    <Deleted><Key>a</Key></Deleted>
    <Deleted><Key>x</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>MTg0NDUxNTc1NjIzMTQ1MDAwODg</DeleteMarkerVersionId></Deleted>
    <Error><Key>y</Key><VersionId>v</VersionId><Code>PathConflict</Code><Message>Path conflict.</Message></Error>
  </DeleteResult>`);
    assert.equal(doc.deleted.length, 2);
    assert.equal(doc.deleted[1]!.deleteMarker, true);
    assert.equal(doc.errors[0]!.code, 'PathConflict');
  });
});

describe('ServerSideEncryptionConfiguration', () => {
  it('builds the documented element name and round-trips', () => {
    const body = xml.buildEncryptionConfiguration({ rules: [{ sseAlgorithm: 'AES256' }] });
    assert.equal(body, '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>');
    assert.deepEqual(xml.parseEncryptionConfiguration(body), { rules: [{ sseAlgorithm: 'AES256' }] });
    const kms = { rules: [{ sseAlgorithm: 'cos/kms', kmsMasterKeyId: 'kms-key-1' }] };
    assert.match(xml.buildEncryptionConfiguration(kms), /<KMSMasterKeyID>kms-key-1<\/KMSMasterKeyID>/);
    assert.deepEqual(xml.parseEncryptionConfiguration(xml.buildEncryptionConfiguration(kms)), kms);
  });

  it("accepts the SDKs' ApplySideEncryptionConfiguration and the empty configuration", () => {
    const sdk = '<ServerSideEncryptionConfiguration><Rule><ApplySideEncryptionConfiguration><SSEAlgorithm>AES256</SSEAlgorithm></ApplySideEncryptionConfiguration></Rule></ServerSideEncryptionConfiguration>';
    assert.deepEqual(xml.parseEncryptionConfiguration(sdk), { rules: [{ sseAlgorithm: 'AES256' }] });
    assert.deepEqual(xml.parseEncryptionConfiguration('<ServerSideEncryptionConfiguration></ServerSideEncryptionConfiguration>'), { rules: [] });
    assert.equal(xml.buildEncryptionConfiguration({ rules: [] }), '<ServerSideEncryptionConfiguration></ServerSideEncryptionConfiguration>');
  });
});

describe('malformed and foreign documents', () => {
  const parsers: [string, (text: string) => unknown][] = [
    ['ListBucketResult', xml.parseListObjectsResult], ['ListBucketResultV2', xml.parseListObjectsV2Result], ['ListAllMyBucketsResult', xml.parseListBucketsResult],
    ['InitiateMultipartUploadResult', xml.parseInitiateMultipartUploadResult], ['CompleteMultipartUpload', xml.parseCompleteMultipartUpload],
    ['CompleteMultipartUploadResult', xml.parseCompleteMultipartUploadResult], ['ListPartsResult', xml.parseListPartsResult],
    ['ListMultipartUploadsResult', xml.parseListMultipartUploadsResult], ['CopyObjectResult', xml.parseCopyObjectResult], ['CopyPartResult', xml.parseCopyPartResult],
    ['Delete', xml.parseDeleteRequest], ['DeleteResult', xml.parseDeleteResult], ['ServerSideEncryptionConfiguration', xml.parseEncryptionConfiguration],
  ];
  const malformed = ['', '   ', 'not xml', '<Delete><Object></Delete>', '<a>1</a><b>2</b>', '<R>a & b</R>', '<R attr=1></R>', '<R>', '<!DOCTYPE R [<!ENTITY x "y">]><R>&x;</R>', '{"json":true}'];

  for (const [name, parse] of parsers) {
    it(`${name}: malformed input → MalformedXML 400`, () => {
      for (const text of malformed) assertCosError(() => parse(text), 'MalformedXML');
      assertCosError(() => parse('<SomethingElse><A>1</A></SomethingElse>'), 'MalformedXML');
    });
  }

  it('enforces the size limit with XMLSizeLimit', () => {
    const body = xml.buildDeleteRequest({ quiet: true, objects: [{ key: 'x'.repeat(2000) }] });
    assertCosError(() => xml.parseDeleteRequest(body, { maxBytes: 1000 }), 'XMLSizeLimit');
    assert.equal(xml.parseDeleteRequest(body, { maxBytes: 10_000 }).objects.length, 1);
    assertCosError(() => xml.parseListObjectsResult(`<ListBucketResult><Name>${'n'.repeat(9 * 1024 * 1024)}</Name></ListBucketResult>`), 'XMLSizeLimit');
  });

  it('accepts Uint8Array input and a UTF-8 BOM', () => {
    const bytes = new TextEncoder().encode('\uFEFF<Delete><Object><Key>中</Key></Object></Delete>');
    assert.deepEqual(xml.parseDeleteRequest(bytes).objects, [{ key: '中' }]);
  });
});

describe('listing value encoding', () => {
  it('round-trips random unicode strings and never leaves XML-special characters', () => {
    const alphabet = ['a', 'Z', '0', ' ', '+', '%', '&', '<', '>', '"', "'", '/', '?', '#', '(', '*', '~', '中', 'é', '😀', '\u0001', '\t'];
    for (let round = 0; round < 500; round++) {
      const value = Array.from({ length: Math.floor(Math.random() * 20) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
      const encoded = xml.encodeListingValue(value);
      assert.match(encoded, /^[A-Za-z0-9%\-_.~/]*$/);
      assert.equal(xml.decodeListingValue(encoded), value);
    }
  });
});

describe('xmlRootName', () => {
  it('finds the root after declarations, comments and whitespace', () => {
    assert.equal(xml.xmlRootName("<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>x</Code></Error>"), 'Error');
    assert.equal(xml.xmlRootName('  \r\n\t<!-- c --><?pi x?><CopyObjectResult/>'), 'CopyObjectResult');
    assert.equal(xml.xmlRootName('<ns:Error xmlns:ns="u"/>'), 'Error');
    assert.equal(xml.xmlRootName(new TextEncoder().encode(`${' '.repeat(100_000)}<Error/>`)), 'Error');
    assert.equal(xml.xmlRootName(''), undefined);
    assert.equal(xml.xmlRootName('plain text'), undefined);
    assert.equal(xml.xmlRootName('<?xml unterminated'), undefined);
  });
});
