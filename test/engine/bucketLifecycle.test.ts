/** Bucket lifecycle on the engine: PUT/GET/DELETE ?lifecycle, validation, and the sweep enforcing each action on a controlled clock. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../core/common/clock.ts';
import { TestEngine, type TestResponse } from './engineClient.ts';
import { listedVersions } from './listedVersions.ts';
import { blobStored } from '../engine-peers/engineStorage.ts';

const DAY = 1000;
const rule = (body: string, id = 'r'): string => `<Rule><ID>${id}</ID>${body}</Rule>`;
const configuration = (...rules: string[]): string => `<LifecycleConfiguration>${rules.join('')}</LifecycleConfiguration>`;
const header = (response: TestResponse, name: string): string => response.headers[name] as string;

describe('engine bucket lifecycle', () => {
  let t: TestEngine;
  const clock = fixedClock(Date.now());
  before(async () => {
    t = await TestEngine.start({ clock, lifecycleDayMs: DAY, backgroundLifecycle: false, buckets: ['test-1250000000', 'flat-1250000000'] });
  });
  after(async () => {
    await t.close();
  });

  const putLifecycle = (body: string, bucket?: string): Promise<TestResponse> => t.request({ method: 'PUT', bucket, query: [['lifecycle', '']], body });
  const versionsOf = async (prefix: string, bucket?: string): Promise<string[]> =>
    listedVersions((await t.request({ bucket, query: [['versions', ''], ['prefix', prefix]] })).text).map((entry) => `${entry.key}:${entry.kind === 'DeleteMarker' ? 'marker' : entry.versionId}`);
  const blobsOf = (versionId: string): string[] => {
    const db = new DatabaseSync(path.join(t.dir, 'index.sqlite'), { readOnly: true });
    try {
      return (db.prepare('SELECT s.blob_id FROM objects o JOIN segments s ON s.object_id = o.object_id WHERE o.version_id = ?').all(versionId) as { blob_id: string }[])
        .map((row) => row.blob_id);
    } finally {
      db.close();
    }
  };

  it('stores, answers and deletes a configuration; refuses malformed ones with the reason', async () => {
    const none = await t.request({ query: [['lifecycle', '']] });
    assert.equal(none.status, 404);
    assert.match(none.text, /NoSuchLifecycleConfiguration/);
    const body = configuration(rule('<Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 'keep-30-days'));
    assert.equal((await putLifecycle(body)).status, 200);
    const got = await t.request({ query: [['lifecycle', '']] });
    assert.equal(got.status, 200);
    assert.match(got.text, /<ID>keep-30-days<\/ID><Filter><Prefix>logs\/<\/Prefix><\/Filter><Status>Enabled<\/Status><NoncurrentVersionExpiration><NoncurrentDays>30<\/NoncurrentDays><\/NoncurrentVersionExpiration>/);
    assert.match(got.text, /<AbortIncompleteMultipartUpload><DaysAfterInitiation>7<\/DaysAfterInitiation><\/AbortIncompleteMultipartUpload>/);
    const refused: [string, string, number, string][] = [
      ['no rule', configuration(), 400, 'MalformedXML'],
      ['zero days', configuration(rule('<Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>')), 400, 'InvalidArgument'],
      ['no action', configuration(rule('<Status>Enabled</Status>')), 400, 'InvalidArgument'],
      ['no status', configuration(rule('<Expiration><Days>1</Days></Expiration>')), 400, 'MalformedXML'],
      ['Filter and Prefix', configuration(rule('<Prefix>a</Prefix><Filter><Prefix>a</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>')), 400, 'MalformedXML'],
      ['duplicate ids', configuration(rule('<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'), rule('<Status>Enabled</Status><Expiration><Days>2</Days></Expiration>')), 400, 'InvalidArgument'],
      ['Days and Date', configuration(rule('<Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>')), 400, 'MalformedXML'],
      ['a transition', configuration(rule('<Status>Enabled</Status><Transition><Days>30</Days><StorageClass>ARCHIVE</StorageClass></Transition>')), 501, 'NotImplemented'],
      ['not XML', 'lifecycle please', 400, 'MalformedXML'],
    ];
    for (const [what, document, status, code] of refused) {
      const answer = await putLifecycle(document);
      assert.equal(answer.status, status, what);
      assert.match(answer.text, new RegExp(`<Code>${code}</Code>`), what);
    }
    assert.match((await t.request({ query: [['lifecycle', '']] })).text, /keep-30-days/, 'a refused PUT leaves the configuration as it was');
    assert.equal((await t.request({ method: 'DELETE', query: [['lifecycle', '']] })).status, 204);
    assert.equal((await t.request({ query: [['lifecycle', '']] })).status, 404);
  });

  it('NoncurrentVersionExpiration removes versions (and their bytes) the given days after they stopped being current, keeping NewerNoncurrentVersions', async () => {
    await t.request({ method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    const ids: Record<string, string[]> = { 'docs/a': [], 'docs/keep': [], 'other/b': [] };
    for (let version = 0; version < 3; version++) {
      for (const key of Object.keys(ids)) ids[key]!.push(header(await t.request({ method: 'PUT', key, body: `${key} ${version}`, headers: { 'x-cos-server-side-encryption': 'AES256' } }), 'x-cos-version-id'));
      clock.advance(DAY);
    }
    // Now: v0 noncurrent for 2 days, v1 for 1 day, v2 current.
    assert.equal((await putLifecycle(configuration(
      rule('<Filter><Prefix>docs/a</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays></NoncurrentVersionExpiration>', 'a'),
      rule('<Filter><Prefix>docs/keep</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>', 'keep'),
      rule('<Filter><Prefix>other/</Prefix></Filter><Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>', 'off'),
    ))).status, 200);
    const v0Blobs = blobsOf(ids['docs/a']![0]!);
    assert.ok(v0Blobs.length > 0 && v0Blobs.every((blob) => blobStored(t.dir, blob)));
    const result = await t.engine.lifecycle.run();
    assert.equal(result.expiredVersions, 2);
    assert.deepEqual(await versionsOf('docs/a'), [`docs/a:${ids['docs/a']![2]}`, `docs/a:${ids['docs/a']![1]}`], 'the version noncurrent for 2 days went, the one for 1 day stayed');
    assert.ok(v0Blobs.every((blob) => !blobStored(t.dir, blob)), 'its bytes are gone');
    assert.deepEqual(await versionsOf('docs/keep'), [`docs/keep:${ids['docs/keep']![2]}`, `docs/keep:${ids['docs/keep']![1]}`], 'the newest noncurrent version is kept');
    assert.equal((await versionsOf('other/')).length, 3, 'a disabled rule does nothing');
    assert.equal((await t.engine.lifecycle.run()).expiredVersions, 0, 'a second sweep finds nothing');
    clock.advance(DAY);
    assert.equal((await t.engine.lifecycle.run()).expiredVersions, 1);
    assert.deepEqual(await versionsOf('docs/a'), [`docs/a:${ids['docs/a']![2]}`]);
    assert.equal((await t.request({ key: 'docs/a' })).text, 'docs/a 2', 'the current version is never touched');
  });

  it('Expiration Days puts delete markers on versioned keys, ExpiredObjectDeleteMarker clears lone markers, tags filter, and old uploads are aborted', async () => {
    await t.request({ method: 'PUT', key: 'exp/tagged', body: 'x', headers: { 'x-cos-tagging': 'temp=yes' } });
    await t.request({ method: 'PUT', key: 'exp/untagged', body: 'y' });
    await t.request({ method: 'PUT', key: 'lone/k', body: 'z' });
    const lone = await t.request({ method: 'DELETE', key: 'lone/k' });
    const onlyVersion = header(await t.request({ method: 'PUT', key: 'lone/only', body: 'w' }), 'x-cos-version-id');
    await t.request({ method: 'DELETE', key: 'lone/only', query: [['versionId', onlyVersion]] });
    await t.request({ method: 'DELETE', key: 'lone/only' });
    const upload = /<UploadId>([^<]+)</.exec((await t.request({ method: 'POST', key: 'mp/old', query: [['uploads', '']] })).text)![1]!;
    await t.request({ method: 'PUT', key: 'mp/old', query: [['partNumber', '1'], ['uploadId', upload]], body: 'part' });
    clock.advance(2 * DAY);
    const stored = await putLifecycle(configuration(
      rule('<Filter><And><Prefix>exp/</Prefix><Tag><Key>temp</Key><Value>yes</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>', 'tagged'),
      rule('<Filter><Prefix>lone/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', 'markers'),
      rule('<Prefix>mp/</Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 'abort'),
    ));
    assert.equal(stored.status, 200, stored.text);
    const result = await t.engine.lifecycle.run();
    assert.deepEqual(result, { expiredVersions: 0, expiredObjects: 1, removedMarkers: 1, abortedUploads: 1 });
    assert.equal((await t.request({ key: 'exp/tagged' })).status, 404);
    assert.deepEqual((await versionsOf('exp/tagged')).map((entry) => entry.split(':')[1]!.length === 32 ? 'version' : entry.split(':')[1]), ['marker', 'version'], 'on a versioned bucket expiration adds a marker');
    assert.equal((await t.request({ key: 'exp/untagged' })).text, 'y', 'an untagged object does not match the tag filter');
    assert.equal((await versionsOf('lone/k')).length, 2, 'a marker with a version under it stays');
    assert.deepEqual(await versionsOf('lone/only'), [], 'a marker that was its key\'s only version is removed');
    assert.equal(lone.status, 204);
    assert.doesNotMatch((await t.request({ query: [['uploads', '']] })).text, /mp\/old/, 'the old upload was aborted');
  });

  it('Expiration on an unversioned bucket deletes the object and its bytes', async () => {
    await t.request({ method: 'PUT', bucket: 'flat-1250000000', key: 'tmp/x', body: 'bytes' });
    await t.request({ method: 'PUT', bucket: 'flat-1250000000', key: 'keep/x', body: 'bytes' });
    clock.advance(3 * DAY);
    await putLifecycle(configuration(rule('<Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>')), 'flat-1250000000');
    assert.equal((await t.engine.lifecycle.run()).expiredObjects, 1);
    assert.deepEqual(await versionsOf('', 'flat-1250000000'), ['keep/x:null']);
  });
});
