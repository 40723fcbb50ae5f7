/** Bucket versioning on the engine: states, the null version, versioned reads, delete markers, deletes by version (bytes gone), copies of versions, multi-delete. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { TestEngine, type TestResponse } from './engineClient.ts';
import { listedVersions, type ListedVersion } from './listedVersions.ts';
import { blobStored } from '../engine-peers/engineStorage.ts';

const header = (response: TestResponse, name: string): string | undefined => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

describe('engine versioning', () => {
  let t: TestEngine;
  const sse = { 'x-cos-server-side-encryption': 'AES256' };

  before(async () => {
    t = await TestEngine.start({ buckets: ['test-1250000000', 'suspend-1250000000', 'copies-1250000000'] });
  });
  after(async () => {
    await t.close();
  });

  const setVersioning = async (status: string, bucket?: string): Promise<TestResponse> =>
    t.request({ method: 'PUT', bucket, query: [['versioning', '']], body: `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>` });
  const versions = async (bucket?: string, query: [string, string][] = []): Promise<ListedVersion[]> =>
    listedVersions((await t.request({ bucket, query: [['versions', ''], ...query] })).text);
  const blobIdsOf = (bucket: string, key: string, versionId: string): string[] => {
    const db = new DatabaseSync(path.join(t.dir, 'index.sqlite'), { readOnly: true });
    try {
      return (db.prepare('SELECT s.blob_id FROM objects o JOIN segments s ON s.object_id = o.object_id WHERE o.bucket = ? AND o.key = ? AND o.version_id = ?')
        .all(bucket, key, versionId) as { blob_id: string }[]).map((row) => row.blob_id);
    } finally {
      db.close();
    }
  };

  it('an unversioned bucket keeps one null version per key and answers without version headers', async () => {
    const empty = await t.request({ query: [['versioning', '']] });
    assert.equal(empty.status, 200);
    assert.match(empty.text, /<VersioningConfiguration\s*\/>|<VersioningConfiguration><\/VersioningConfiguration>/);
    const put = await t.request({ method: 'PUT', key: 'plain.txt', body: 'one', headers: sse });
    assert.equal(put.status, 200);
    assert.equal(header(put, 'x-cos-version-id'), undefined, 'no version header on an unversioned bucket');
    await t.request({ method: 'PUT', key: 'plain.txt', body: 'two', headers: sse });
    assert.deepEqual(await versions(), [{ kind: 'Version', key: 'plain.txt', versionId: 'null', isLatest: true }], 'every object is listed once, as version null');
    assert.equal((await t.request({ key: 'plain.txt', query: [['versionId', 'null']] })).text, 'two');
    const unknown = await t.request({ key: 'plain.txt', query: [['versionId', '0000000000aa00112233445566778899']] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>NoSuchVersion<\/Code>/);
    const malformed = await t.request({ key: 'plain.txt', query: [['versionId', 'not-a-version']] });
    assert.match(malformed.text, /<Code>NoSuchVersion<\/Code>/, 'COS answers NoSuchVersion for malformed ids too');
    const missing = await t.request({ method: 'HEAD', key: 'missing.txt' });
    assert.equal(missing.status, 404);
    assert.equal(header(missing, 'x-cos-delete-marker'), 'false');
    assert.equal((await t.request({ method: 'DELETE', key: 'plain.txt' })).status, 204);
    assert.deepEqual(await versions(), [], 'a delete on an unversioned bucket leaves nothing behind');
  });

  it('refuses a bad versioning status and keeps the state', async () => {
    const bad = await setVersioning('Off');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /MalformedXML/);
    assert.doesNotMatch((await t.request({ query: [['versioning', '']] })).text, /<Status>/);
  });

  it('Enabled: new ids per write, old versions readable byte for byte, delete markers, deletes by version', async () => {
    await t.request({ method: 'PUT', key: 'doc.txt', body: 'before versioning', headers: sse });
    assert.equal((await setVersioning('Enabled')).status, 200);
    assert.equal((await setVersioning('Enabled')).status, 200, 're-sending the current state is a no-op');
    assert.match((await t.request({ query: [['versioning', '']] })).text, /<Status>Enabled<\/Status>/);

    const first = await t.request({ method: 'PUT', key: 'doc.txt', body: 'first', headers: sse });
    const v1 = header(first, 'x-cos-version-id')!;
    assert.match(v1, /^[0-9a-f]{32}$/);
    const second = await t.request({ method: 'PUT', key: 'doc.txt', body: 'second!', headers: sse });
    const v2 = header(second, 'x-cos-version-id')!;
    assert.notEqual(v1, v2);
    assert.deepEqual(await versions(undefined, [['prefix', 'doc']]), [
      { kind: 'Version', key: 'doc.txt', versionId: v2, isLatest: true },
      { kind: 'Version', key: 'doc.txt', versionId: v1, isLatest: false },
      { kind: 'Version', key: 'doc.txt', versionId: 'null', isLatest: false },
    ], 'newest first; the pre-versioning object stays as version null');

    const current = await t.request({ key: 'doc.txt' });
    assert.equal(current.text, 'second!');
    assert.equal(header(current, 'x-cos-version-id'), v2);
    const old = await t.request({ key: 'doc.txt', query: [['versionId', v1]] });
    assert.equal(old.text, 'first');
    assert.equal(header(old, 'x-cos-server-side-encryption'), 'AES256', 'every version is encrypted');
    assert.equal((await t.request({ key: 'doc.txt', query: [['versionId', 'null']] })).text, 'before versioning');
    const head = await t.request({ method: 'HEAD', key: 'doc.txt', query: [['versionId', v1]] });
    assert.equal(head.status, 200);
    assert.equal(header(head, 'content-length'), '5');
    assert.notDeepEqual(blobIdsOf('test-1250000000', 'doc.txt', v1), blobIdsOf('test-1250000000', 'doc.txt', v2), 'each version has its own blob');

    const deleted = await t.request({ method: 'DELETE', key: 'doc.txt' });
    assert.equal(deleted.status, 204);
    assert.equal(header(deleted, 'x-cos-delete-marker'), 'true');
    const marker = header(deleted, 'x-cos-version-id')!;
    assert.match(marker, /^[0-9a-f]{32}$/);
    const gone = await t.request({ key: 'doc.txt' });
    assert.equal(gone.status, 404);
    assert.match(gone.text, /NoSuchKey/);
    assert.equal(header(gone, 'x-cos-delete-marker'), 'true');
    assert.equal(header(gone, 'x-cos-version-id'), marker);
    const byMarker = await t.request({ method: 'HEAD', key: 'doc.txt', query: [['versionId', marker]] });
    assert.equal(byMarker.status, 405, 'a delete marker cannot be read by id');
    assert.equal(header(byMarker, 'x-cos-delete-marker'), 'true');
    assert.doesNotMatch((await t.request({ query: [['prefix', 'doc']] })).text, /<Key>doc\.txt<\/Key>/, 'ListObjects hides keys whose current version is a marker');
    assert.deepEqual((await versions(undefined, [['prefix', 'doc']]))[0], { kind: 'DeleteMarker', key: 'doc.txt', versionId: marker, isLatest: true });

    const undelete = await t.request({ method: 'DELETE', key: 'doc.txt', query: [['versionId', marker]] });
    assert.equal(undelete.status, 204);
    assert.equal(header(undelete, 'x-cos-delete-marker'), 'true', 'the deleted version was a marker');
    assert.equal(header(undelete, 'x-cos-version-id'), marker);
    assert.equal((await t.request({ key: 'doc.txt' })).text, 'second!', 'removing the marker brings the object back');

    const v2Blobs = blobIdsOf('test-1250000000', 'doc.txt', v2);
    assert.ok(v2Blobs.length > 0 && v2Blobs.every((blob) => blobStored(t.dir, blob)), 'the version has stored bytes before its delete');
    const removeLatest = await t.request({ method: 'DELETE', key: 'doc.txt', query: [['versionId', v2]] });
    assert.equal(removeLatest.status, 204);
    assert.equal(header(removeLatest, 'x-cos-delete-marker'), undefined);
    for (const blob of v2Blobs) assert.ok(!blobStored(t.dir, blob), 'deleting a version removes its bytes');
    const now = await t.request({ key: 'doc.txt' });
    assert.equal(now.text, 'first', 'the previous version became current');
    assert.equal(header(now, 'x-cos-version-id'), v1);
    assert.equal((await t.request({ method: 'DELETE', key: 'doc.txt', query: [['versionId', v2]] })).status, 204, 'deleting a missing version succeeds');

    for (let index = 0; index < 3; index++) await t.request({ method: 'DELETE', key: 'doc.txt' });
    const stacked = await versions(undefined, [['prefix', 'doc']]);
    assert.deepEqual(stacked.map((entry) => entry.kind), ['DeleteMarker', 'DeleteMarker', 'DeleteMarker', 'Version', 'Version'], 'repeated deletes stack markers');
    const nonEmpty = await t.request({ method: 'DELETE', key: '', bucket: 'test-1250000000' });
    assert.equal(nonEmpty.status, 409, 'versions and markers keep the bucket from being deleted');
  });

  it('Suspended: writes and deletes replace the null version; versions with ids stay', async () => {
    const bucket = 'suspend-1250000000';
    assert.equal((await setVersioning('Suspended', bucket)).status, 200, 'Suspended is accepted on a bucket never enabled');
    const put = await t.request({ method: 'PUT', bucket, key: 'k', body: 'null one' });
    assert.equal(header(put, 'x-cos-version-id'), 'null');
    await setVersioning('Enabled', bucket);
    const kept = header(await t.request({ method: 'PUT', bucket, key: 'k', body: 'with id' }), 'x-cos-version-id')!;
    await setVersioning('Suspended', bucket);
    await t.request({ method: 'PUT', bucket, key: 'k', body: 'null two' });
    assert.deepEqual(await versions(bucket), [
      { kind: 'Version', key: 'k', versionId: 'null', isLatest: true },
      { kind: 'Version', key: 'k', versionId: kept, isLatest: false },
    ], 'the second null version replaced the first');
    assert.equal((await t.request({ bucket, key: 'k', query: [['versionId', 'null']] })).text, 'null two');
    const deleted = await t.request({ method: 'DELETE', bucket, key: 'k' });
    assert.equal(header(deleted, 'x-cos-delete-marker'), 'true');
    assert.equal(header(deleted, 'x-cos-version-id'), 'null');
    assert.deepEqual(await versions(bucket), [
      { kind: 'DeleteMarker', key: 'k', versionId: 'null', isLatest: true },
      { kind: 'Version', key: 'k', versionId: kept, isLatest: false },
    ], 'the null data version was replaced by a null marker');
    assert.equal((await t.request({ bucket, key: 'k', query: [['versionId', kept]] })).text, 'with id');
  });

  it('copies a named version (onto its own key it restores it as a new version) and reports the source version', async () => {
    const bucket = 'copies-1250000000';
    await setVersioning('Enabled', bucket);
    const v1 = header(await t.request({ method: 'PUT', bucket, key: 'f', body: 'good content', headers: { ...sse, 'x-cos-meta-color': 'blue' } }), 'x-cos-version-id')!;
    const v2 = header(await t.request({ method: 'PUT', bucket, key: 'f', body: 'bad overwrite', headers: sse }), 'x-cos-version-id')!;
    const source = `${bucket}.cos.ap-guangzhou.myqcloud.com/f?versionId=${v1}`;
    const restored = await t.request({ method: 'PUT', bucket, key: 'f', headers: { ...sse, 'x-cos-copy-source': source } });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(header(restored, 'x-cos-copy-source-version-id'), v1);
    const v3 = header(restored, 'x-cos-version-id')!;
    assert.match(restored.text, new RegExp(`<VersionId>${v3}</VersionId>`));
    assert.ok(![v1, v2].includes(v3));
    const current = await t.request({ bucket, key: 'f' });
    assert.equal(current.text, 'good content');
    assert.equal(header(current, 'x-cos-meta-color'), 'blue', 'metadata comes with the copied version');
    assert.equal((await versions(bucket)).length, 3, 'the restore is a new version; the bad one stays');
    const selfCopy = await t.request({ method: 'PUT', bucket, key: 'f', headers: { 'x-cos-copy-source': `${bucket}.cos.ap-guangzhou.myqcloud.com/f` } });
    assert.equal(selfCopy.status, 400, 'copying the current version onto itself still needs Replaced');
    const marker = header(await t.request({ method: 'DELETE', bucket, key: 'f' }), 'x-cos-version-id')!;
    const fromMarker = await t.request({ method: 'PUT', bucket, key: 'g', headers: { 'x-cos-copy-source': `${bucket}.cos.ap-guangzhou.myqcloud.com/f?versionId=${marker}` } });
    assert.equal(fromMarker.status, 400);
    const fromDeleted = await t.request({ method: 'PUT', bucket, key: 'g', headers: { 'x-cos-copy-source': `${bucket}.cos.ap-guangzhou.myqcloud.com/f` } });
    assert.equal(fromDeleted.status, 404);
    const unversioned = await t.request({ method: 'PUT', key: 'copied-from-version', headers: { 'x-cos-copy-source': `${bucket}.cos.ap-guangzhou.myqcloud.com/f?versionId=${v2}` } });
    assert.equal(unversioned.status, 200);
    assert.equal((await t.request({ key: 'copied-from-version' })).text, 'bad overwrite');
  });

  it('multi-delete removes named versions and adds markers for plain keys', async () => {
    const bucket = 'copies-1250000000';
    const a1 = header(await t.request({ method: 'PUT', bucket, key: 'multi/a', body: 'a1' }), 'x-cos-version-id')!;
    await t.request({ method: 'PUT', bucket, key: 'multi/a', body: 'a2' });
    await t.request({ method: 'PUT', bucket, key: 'multi/b', body: 'b1' });
    const body = `<Delete><Object><Key>multi/a</Key><VersionId>${a1}</VersionId></Object><Object><Key>multi/b</Key></Object></Delete>`;
    const result = await t.request({ method: 'POST', bucket, query: [['delete', '']], body });
    assert.equal(result.status, 200);
    assert.match(result.text, new RegExp(`<Deleted><Key>multi/a</Key><VersionId>${a1}</VersionId></Deleted>`));
    assert.match(result.text, /<Deleted><Key>multi\/b<\/Key><DeleteMarker>true<\/DeleteMarker><DeleteMarkerVersionId>[0-9a-f]{32}<\/DeleteMarkerVersionId><\/Deleted>/);
    const listed = await versions(bucket, [['prefix', 'multi/']]);
    assert.deepEqual(listed.map((entry) => `${entry.key}:${entry.kind}`), ['multi/a:Version', 'multi/b:DeleteMarker', 'multi/b:Version']);
    const again = await t.request({ method: 'POST', bucket, query: [['delete', '']], body });
    assert.equal(again.status, 200, 'deleting the same versions again succeeds');
  });
});
