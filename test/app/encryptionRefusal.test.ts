/** The app meeting a bucket policy that refuses its encrypted writes: per file error with the fix hint, activity with the hint, manual upload failure, the folder keeps running; the fix (policy removed) then syncs. */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppEvent, FileRow } from '../../core/app/contract.ts';
import { createAppService, type AppService } from '../../core/app/service.ts';
import { engineBucket } from '../../core/app/settings.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { setBucketPolicy } from '../fakes/bucketPolicy.ts';
import { memorySecrets, memorySettings, waitFor } from './serviceKit.ts';

const requireKms = (bucket: string): string => JSON.stringify({
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }],
});

describe('app: encryption refusals reach the user', () => {
  let root: string;
  let folder: string;
  let service: AppService;
  let owner: CosClient;
  const events: AppEvent[] = [];

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-app-refusal-'));
    folder = path.join(root, 'COS Sync');
    service = await createAppService({ dataDir: path.join(root, 'data'), mode: 'headless', defaultFolder: folder, settings: memorySettings(), secrets: memorySecrets(), folderDefaults: { debounceMs: 50 } });
    service.on((event) => events.push(event));
    const status = await service.getEngineStatus();
    const credentials = JSON.parse(await readFile(path.join(root, 'data', 'engine', 'credentials.json'), 'utf8')) as { secretId: string; secretKey: string };
    owner = new CosClient({ credentials, region: 'ap-guangzhou', endpoint: status.endpoint! });
  });
  after(async () => {
    await owner?.close();
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  const setPolicy = (text: string | null): Promise<void> => setBucketPolicy(owner, engineBucket, text);

  it('a refused file shows SseRefused with bucket, region and the fix; the activity log carries the hint; the folder is not halted', async () => {
    const folderId = (await service.getSnapshot()).folders[0]!.id;
    await setPolicy(requireKms(engineBucket));
    await writeFile(path.join(folder, 'refused.txt'), 'must stay encrypted\n');
    const row = await waitFor('the refused file in error', async () => {
      const rows: FileRow[] = (await service.listFiles({ folderId, offset: 0, limit: 100 })).rows;
      return rows.find((candidate) => candidate.path === 'refused.txt' && candidate.status.state === 'error');
    });
    assert.equal(row.status.state, 'error');
    if (row.status.state !== 'error') return;
    assert.equal(row.status.code, 'SseRefused');
    assert.match(row.status.message, new RegExp(`bucket ${engineBucket} \\(ap-guangzhou\\) refused the SSE-COS \\(AES256\\) write of 'refused.txt'`));
    assert.match(row.status.hint ?? '', new RegExp(`bucket policy on ${engineBucket}.*never retries a write without its encryption header`));
    assert.equal(row.encryption, null, 'nothing is stored');

    const activity = (await service.listActivity({ limit: 50 })).entries.find((entry) => entry.level === 'error' && entry.path === 'refused.txt');
    assert.ok(activity, 'an error entry in the activity log');
    assert.match(activity.hint ?? '', /bucket policy/);
    const snapshot = await service.getSnapshot();
    assert.notEqual(snapshot.folders[0]!.status.kind, 'error', 'one refused object does not halt the folder');

    await setPolicy(null);
    await service.retryFailed(folderId);
    const fixed = await waitFor('the file synced after the policy is gone', async () => {
      const rows = (await service.listFiles({ folderId, offset: 0, limit: 100 })).rows;
      return rows.find((candidate) => candidate.path === 'refused.txt' && candidate.status.state === 'synced');
    });
    assert.equal(fixed.encryption?.algorithm, 'AES256');
  });

  it('a manual upload that the policy refuses fails with the fix and says so in the activity log', async () => {
    await setPolicy(requireKms(engineBucket));
    const file = path.join(root, 'manual.txt');
    await writeFile(file, 'manual');
    const ticket = await service.startUpload({ files: [{ name: 'manual.txt', size: 6, path: file }], bucket: engineBucket, prefix: 'uploads/', sse: 'AES256' });
    const finished = await waitFor('upload finished', async () => events.find((event) => event.type === 'upload-finished' && event.uploadId === ticket.uploadId) as Extract<AppEvent, { type: 'upload-finished' }> | undefined);
    const result = finished.results[0]!;
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, 'SseRefused');
    assert.match(result.message, new RegExp(`bucket ${engineBucket} \\(ap-guangzhou\\)`));
    assert.match(result.hint ?? '', /never retries a write without its encryption header/);
    const activity = (await service.listActivity({ limit: 50 })).entries.find((entry) => entry.path === 'uploads/manual.txt');
    assert.equal(activity?.level, 'error');
    assert.match(activity?.hint ?? '', /bucket policy/);
    await setPolicy(null);
  });
});
