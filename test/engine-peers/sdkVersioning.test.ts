/** The official cos-nodejs-sdk-v5 against the engine: versioning (enable, list with every marker, get/delete by version, markers, suspend, null version), tagging, lifecycle. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { startTestEngine, TEST_BUCKET, TEST_REGION, type TestEngine } from './startTestEngine.ts';

/** The SDK's error as thrown (loosely typed). */
interface SdkError {
  code?: string;
  statusCode?: number;
  headers?: Record<string, string>;
}

/** A listed version as the SDK returns it. */
interface SdkVersion {
  Key: string;
  VersionId: string;
  IsLatest: string;
  Size?: string;
}

/** The SDK calls whose typings lack `VersionId` (the SDK sends it as `?versionId=`). */
interface VersionedCalls {
  deleteObject(params: { Bucket: string; Region: string; Key: string; VersionId?: string }): Promise<{ headers: Record<string, string> }>;
  getObjectTagging(params: { Bucket: string; Region: string; Key: string; VersionId?: string }): Promise<{ Tags: { Key: string; Value: string }[] }>;
  deleteObjectTagging(params: { Bucket: string; Region: string; Key: string; VersionId?: string }): Promise<unknown>;
  getObject(params: { Bucket: string; Region: string; Key: string; VersionId?: string }): Promise<{ Body: Buffer; headers: Record<string, string> }>;
}

describe('cos-nodejs-sdk-v5: versioning and tagging on the engine', () => {
  let engine: TestEngine;
  let cos: COS;
  let versioned: VersionedCalls;
  const Bucket = TEST_BUCKET;
  const Region = TEST_REGION;
  const sse = { ServerSideEncryption: 'AES256' };

  before(async () => {
    engine = await startTestEngine();
    cos = new COS({ SecretId: engine.target.secretId, SecretKey: engine.target.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${engine.port}` });
    versioned = cos as unknown as VersionedCalls;
  });
  after(async () => {
    await engine?.close();
  });

  it('enables versioning, keeps every version, pages ListObjectVersions with MaxKeys 1, reads and deletes by version, markers, suspend and null', async () => {
    const nullBody = randomBytes(3000);
    await cos.putObject({ Bucket, Region, Key: 'sdk/a.bin', Body: nullBody, ...sse });
    assert.equal((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status, undefined, 'never configured');
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
    assert.equal((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status, 'Enabled');

    const bodies = new Map<string, Buffer>([['null', nullBody]]);
    for (let index = 0; index < 3; index++) {
      const body = randomBytes(2000 + index);
      const put = await cos.putObject({ Bucket, Region, Key: 'sdk/a.bin', Body: body, ...sse }) as { VersionId?: string; headers: Record<string, string> };
      assert.match(put.VersionId ?? '', /^[0-9a-f]{32}$/, 'the SDK reads VersionId from x-cos-version-id');
      assert.equal(put.headers['x-cos-server-side-encryption'], 'AES256');
      bodies.set(put.VersionId!, body);
    }
    await cos.putObject({ Bucket, Region, Key: 'sdk/b.bin', Body: 'bee', ...sse });

    const listed: SdkVersion[] = [];
    let KeyMarker = '';
    let VersionIdMarker = '';
    let pages = 0;
    for (;;) {
      const page = await cos.listObjectVersions({ Bucket, Region, Prefix: 'sdk/', MaxKeys: '1', KeyMarker, VersionIdMarker } as unknown as COS.ListObjectVersionsParams) as unknown as {
        Versions: SdkVersion[]; IsTruncated: string; NextKeyMarker?: string; NextVersionIdMarker?: string;
      };
      pages++;
      listed.push(...page.Versions);
      if (page.IsTruncated !== 'true') break;
      KeyMarker = page.NextKeyMarker!;
      VersionIdMarker = page.NextVersionIdMarker!;
    }
    assert.equal(pages, 5, 'one entry per page');
    assert.deepEqual(listed.map((entry) => [entry.Key, entry.IsLatest]), [['sdk/a.bin', 'true'], ['sdk/a.bin', 'false'], ['sdk/a.bin', 'false'], ['sdk/a.bin', 'false'], ['sdk/b.bin', 'true']]);
    assert.equal(listed[3]!.VersionId, 'null', 'the object from before versioning is version null');

    for (const [VersionId, body] of bodies) {
      const got = await versioned.getObject({ Bucket, Region, Key: 'sdk/a.bin', VersionId });
      assert.ok(Buffer.from(got.Body as Buffer).equals(body), `version ${VersionId} reads back byte for byte`);
      assert.equal(got.headers['x-cos-version-id'], VersionId);
    }

    const marker = await versioned.deleteObject({ Bucket, Region, Key: 'sdk/a.bin' });
    assert.equal(marker.headers['x-cos-delete-marker'], 'true');
    const markerId = marker.headers['x-cos-version-id']!;
    await assert.rejects(cos.headObject({ Bucket, Region, Key: 'sdk/a.bin' }), (error: SdkError) => error.statusCode === 404);
    const withMarker = await cos.listObjectVersions({ Bucket, Region, Prefix: 'sdk/a.bin' }) as unknown as { DeleteMarkers: SdkVersion[] };
    assert.deepEqual(withMarker.DeleteMarkers.map((entry) => [entry.VersionId, entry.IsLatest]), [[markerId, 'true']]);
    await versioned.deleteObject({ Bucket, Region, Key: 'sdk/a.bin', VersionId: markerId });
    assert.equal((await cos.headObject({ Bucket, Region, Key: 'sdk/a.bin' })).statusCode, 200, 'removing the marker restores the object');

    const oldest = [...bodies.keys()][1]!;
    await versioned.deleteObject({ Bucket, Region, Key: 'sdk/a.bin', VersionId: oldest });
    await assert.rejects(versioned.getObject({ Bucket, Region, Key: 'sdk/a.bin', VersionId: oldest }), (error: SdkError) => error.code === 'NoSuchVersion');

    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Suspended' } });
    assert.equal((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration.Status, 'Suspended');
    const suspended = await cos.putObject({ Bucket, Region, Key: 'sdk/a.bin', Body: 'suspended write' }) as { VersionId?: string };
    assert.equal(suspended.VersionId, 'null');
    const afterSuspend = await cos.listObjectVersions({ Bucket, Region, Prefix: 'sdk/a.bin' }) as unknown as { Versions: SdkVersion[] };
    assert.deepEqual(afterSuspend.Versions.map((entry) => entry.VersionId).filter((id) => id === 'null'), ['null'], 'the suspended write replaced the null version');
    assert.equal(afterSuspend.Versions.length, 3);
    await cos.putBucketVersioning({ Bucket, Region, VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('tags objects and versions: x-cos-tagging on putObject, put/get/deleteObjectTagging with VersionId', async () => {
    const first = await cos.putObject({ Bucket, Region, Key: 'sdk/tagged.txt', Body: 'one', 'x-cos-tagging': 'stage=draft&owner=sdk' } as COS.PutObjectParams) as { VersionId?: string };
    const tags = await cos.getObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt' });
    assert.deepEqual(tags.Tags, [{ Key: 'owner', Value: 'sdk' }, { Key: 'stage', Value: 'draft' }]);
    await cos.putObject({ Bucket, Region, Key: 'sdk/tagged.txt', Body: 'two' });
    await cos.putObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt', VersionId: first.VersionId, Tags: [{ Key: 'stage', Value: 'final' }] });
    assert.deepEqual((await versioned.getObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt', VersionId: first.VersionId })).Tags, [{ Key: 'stage', Value: 'final' }]);
    assert.deepEqual((await cos.getObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt' })).Tags, [], 'the current version has its own (empty) set');
    await versioned.deleteObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt', VersionId: first.VersionId });
    assert.deepEqual((await versioned.getObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt', VersionId: first.VersionId })).Tags, []);
    await assert.rejects(
      cos.putObjectTagging({ Bucket, Region, Key: 'sdk/tagged.txt', Tags: Array.from({ length: 11 }, (_, index) => ({ Key: `k${index}`, Value: 'v' })) }),
      (error: SdkError) => error.statusCode === 400,
    );
  });

  it('sets, reads and deletes a lifecycle rule with NoncurrentVersionExpiration', async () => {
    await cos.putBucketLifecycle({
      Bucket, Region, Rules: [{ ID: 'keep-30-days', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: '30' } }],
    } as unknown as COS.PutBucketLifecycleParams);
    const rules = (await cos.getBucketLifecycle({ Bucket, Region })).Rules as unknown as { ID: string; NoncurrentVersionExpiration: { NoncurrentDays: string } }[];
    assert.equal(rules[0]!.ID, 'keep-30-days');
    assert.equal(rules[0]!.NoncurrentVersionExpiration.NoncurrentDays, '30');
    await cos.deleteBucketLifecycle({ Bucket, Region });
    // The SDK itself turns 404 NoSuchLifecycleConfiguration into an empty rule list.
    const none = await cos.getBucketLifecycle({ Bucket, Region });
    assert.deepEqual([none.Rules, none.statusCode], [[], 404]);
  });
});
