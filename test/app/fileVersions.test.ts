/** The app keeps old versions on the bundled engine by default, lists a file's versions and restores one; retention follows the settings. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppService, type AppService } from '../../core/app/service.ts';
import { memorySecrets, memorySettings, waitFor } from './serviceKit.ts';
import { engineBucket } from '../../core/app/settings.ts';
import { RETENTION_RULE_ID } from '../../core/app/versionRetention.ts';
import { CosClient } from '../../core/cos/cosClient.ts';

describe('file versions in the app', () => {
  let root: string;
  let folder: string;
  let service: AppService;
  let engineClient: CosClient;
  let folderId: string;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-versions-'));
    folder = path.join(root, 'COS Sync');
    service = await createAppService({
      dataDir: path.join(root, 'data'), mode: 'headless', defaultFolder: folder, settings: memorySettings(), secrets: memorySecrets(), folderDefaults: { debounceMs: 50 },
    });
    const credentials = JSON.parse(await readFile(path.join(root, 'data', 'engine', 'credentials.json'), 'utf8')) as { secretId: string; secretKey: string };
    engineClient = new CosClient({ credentials: { secretId: credentials.secretId, secretKey: credentials.secretKey }, region: 'ap-guangzhou', endpoint: service.engineEndpoint! });
    folderId = (await service.getSnapshot()).folders[0]!.id;
  });
  after(async () => {
    await engineClient?.close();
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  const syncedSize = async (file: string, size: number): Promise<void> => {
    await waitFor(`${file} synced at ${size} bytes`, async () => {
      const row = (await service.listFiles({ folderId, offset: 0, limit: 100 })).rows.find((candidate) => candidate.path === file);
      return row?.status.state === 'synced' && row.size === size ? true : undefined;
    }, 60_000);
  };

  it('zero setup turns versioning on for the engine bucket with a 30-day retention rule', async () => {
    assert.equal(await engineClient.getBucketVersioning(engineBucket), 'Enabled');
    const rules = await engineClient.getBucketLifecycle(engineBucket);
    const ours = rules.find((rule) => rule.id === RETENTION_RULE_ID);
    assert.equal(ours?.noncurrentVersionExpiration?.noncurrentDays, 30);
    assert.equal((await service.getSettings()).general.versionRetentionDays, 30);
  });

  it('lists a file\'s versions (size, time, encryption) and restores an older one as a new current version; the local file stays', async () => {
    await writeFile(path.join(folder, 'notes.txt'), 'the good text\n');
    await syncedSize('notes.txt', 14);
    await writeFile(path.join(folder, 'notes.txt'), 'a bad overwrite from the folder\n');
    await syncedSize('notes.txt', 32);
    const listed = await service.listFileVersions(folderId, 'notes.txt');
    assert.equal(listed.versioning, 'Enabled');
    assert.equal(listed.retentionDays, 30);
    assert.equal(listed.key, 'notes.txt');
    assert.deepEqual(listed.versions.map((version) => [version.size, version.isLatest, version.deleteMarker, version.encryption?.algorithm]), [[32, true, false, 'AES256'], [14, false, false, 'AES256']]);
    assert.ok(listed.versions[0]!.modifiedAt >= listed.versions[1]!.modifiedAt);

    const restored = await service.restoreFileVersion(folderId, 'notes.txt', listed.versions[1]!.versionId);
    assert.equal(restored.size, 14);
    assert.equal(restored.isLatest, true);
    assert.equal(restored.encryption?.algorithm, 'AES256');
    const afterRestore = await service.listFileVersions(folderId, 'notes.txt');
    assert.deepEqual(afterRestore.versions.map((version) => version.size), [14, 32, 14], 'the restore is a new version; nothing was deleted');
    assert.equal(afterRestore.versions[0]!.versionId, restored.versionId);
    const current = await engineClient.getObject(engineBucket, 'notes.txt');
    assert.equal(Buffer.concat(await current.body.toArray()).toString(), 'the good text\n');
    assert.equal(await readFile(path.join(folder, 'notes.txt'), 'utf8'), 'a bad overwrite from the folder\n', 'the local file is not changed');
    const activity = await service.listActivity({ limit: 20 });
    assert.ok(activity.entries.some((entry) => /Restored an older version of notes\.txt/.test(entry.message)));
  });

  it('the retention setting rewrites COS Sync\'s lifecycle rule, and keeps other rules of the bucket', async () => {
    await engineClient.putBucketLifecycle(engineBucket, [...await engineClient.getBucketLifecycle(engineBucket), {
      id: 'someone-else', enabled: true, prefix: 'tmp/', tags: [], filterForm: 'filter', transition: false, abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
    }]);
    await service.updateSettings({ general: { versionRetentionDays: 7 } });
    assert.equal((await service.listFileVersions(folderId, 'notes.txt')).retentionDays, 7);
    assert.deepEqual((await engineClient.getBucketLifecycle(engineBucket)).map((rule) => rule.id).sort(), [RETENTION_RULE_ID, 'someone-else']);
    await service.updateSettings({ general: { versionRetentionDays: null } });
    assert.equal((await service.listFileVersions(folderId, 'notes.txt')).retentionDays, null, 'null keeps versions until deleted');
    assert.deepEqual((await engineClient.getBucketLifecycle(engineBucket)).map((rule) => rule.id), ['someone-else']);
    assert.equal(await engineClient.getBucketVersioning(engineBucket), 'Enabled');
  });

  it('a suspended bucket is left suspended', async () => {
    await engineClient.putBucketVersioning(engineBucket, 'Suspended');
    await service.updateSettings({ general: { versionRetentionDays: 10 } });
    assert.equal(await engineClient.getBucketVersioning(engineBucket), 'Suspended');
    const listed = await service.listFileVersions(folderId, 'notes.txt');
    assert.deepEqual([listed.versioning, listed.retentionDays], ['Suspended', 10]);
  });
});
