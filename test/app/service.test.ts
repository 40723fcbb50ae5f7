/** The app service end to end on real parts: bundled engine on port 0, a real watched folder, real uploads. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppService, type AppService } from '../../core/app/service.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import type { AppEvent, FileRow } from '../../core/app/contract.ts';
import { memorySecrets, memorySettings, waitFor } from './serviceKit.ts';

describe('app service', () => {
  let root: string;
  let folder: string;
  let service: AppService;
  const events: AppEvent[] = [];
  const settings = memorySettings();
  const secrets = memorySecrets();

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-service-'));
    folder = path.join(root, 'COS Sync');
    service = await createAppService({ dataDir: path.join(root, 'data'), mode: 'headless', defaultFolder: folder, settings, secrets, folderDefaults: { debounceMs: 50 } });
    service.on((event) => events.push(event));
  });

  after(async () => {
    await service.close();
    await rm(root, { recursive: true, force: true });
  });

  const rowsOf = async (folderId: string): Promise<FileRow[]> => (await service.listFiles({ folderId, offset: 0, limit: 100 })).rows;

  it('zero setup: the bundled engine runs and the default folder is synced to it', async () => {
    const snapshot = await service.getSnapshot();
    assert.equal(snapshot.engine.state, 'running');
    assert.equal(snapshot.folders.length, 1);
    assert.equal(snapshot.folders[0]!.localPath, folder);
    assert.equal(settings.value.initialized, true);
    const view = await service.getSettings();
    assert.equal(view.profiles[0]!.kind, 'engine');
  });

  it('a file dropped into the folder is uploaded and shown as encrypted with SSE-COS', async () => {
    const folderId = (await service.getSnapshot()).folders[0]!.id;
    await writeFile(path.join(folder, 'report.txt'), 'quarterly numbers\n');
    await mkdir(path.join(folder, 'photos'));
    await writeFile(path.join(folder, 'photos', 'cat.jpg'), Buffer.alloc(300_000, 7));
    const rows = await waitFor('both files synced', async () => {
      const current = await rowsOf(folderId);
      return current.length === 2 && current.every((row) => row.status.state === 'synced') ? current : undefined;
    });
    for (const row of rows) {
      assert.equal(row.encryption?.algorithm, 'AES256');
      assert.equal(row.encryption?.checksumVerified, true);
      assert.ok(row.encryption?.verifiedAt);
    }
    const snapshot = await waitFor('counts', async () => {
      const current = await service.getSnapshot();
      return current.totals.encrypted === 2 ? current : undefined;
    });
    assert.equal(snapshot.totals.unencrypted, 0);
    assert.ok(events.some((event) => event.type === 'file-changed'));
    assert.ok(events.some((event) => event.type === 'snapshot-changed'));
    const activity = await service.listActivity({ limit: 50 });
    assert.ok(activity.entries.some((entry) => entry.message.startsWith('Uploaded photos/cat.jpg')));
  });

  it('pause stops uploads and resume catches up', async () => {
    const folderId = (await service.getSnapshot()).folders[0]!.id;
    await service.pauseFolder(folderId);
    assert.equal((await service.getSnapshot()).folders[0]!.status.kind, 'paused');
    await writeFile(path.join(folder, 'while-paused.txt'), 'waits');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.ok(!(await rowsOf(folderId)).some((row) => row.path === 'while-paused.txt' && row.status.state === 'synced'));
    await service.resumeFolder(folderId);
    await waitFor('the paused file synced', async () => ((await rowsOf(folderId)).find((row) => row.path === 'while-paused.txt')?.status.state === 'synced' ? true : undefined));
  });

  it('manual upload from a path reports progress and the confirmed encryption', async () => {
    const file = path.join(root, 'manual.bin');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 1));
    const ticket = await service.startUpload({ files: [{ name: 'manual.bin', size: 2 * 1024 * 1024, path: file }], bucket: 'local-1250000000', prefix: 'uploads/', sse: 'AES256' });
    assert.deepEqual(ticket.keys, ['uploads/manual.bin']);
    const finished = await waitFor('upload finished', async () => events.find((event) => event.type === 'upload-finished' && event.uploadId === ticket.uploadId) as Extract<AppEvent, { type: 'upload-finished' }> | undefined);
    const result = finished.results[0]!;
    assert.ok(result.ok, JSON.stringify(result));
    if (result.ok) assert.equal(result.encryption.algorithm, 'AES256');
    assert.ok(events.some((event) => event.type === 'upload-progress' && event.uploadId === ticket.uploadId && event.bytesDone === 2 * 1024 * 1024));
  });

  it('manual uploads store the file modification time (x-cos-meta-mtime) for a later restore', async () => {
    const file = path.join(root, 'dated.txt');
    await writeFile(file, 'dated');
    const when = new Date('2024-02-29T12:34:56.789Z');
    await utimes(file, when, when);
    const ticket = await service.startUpload({ files: [{ name: 'dated.txt', size: 5, path: file }, { name: 'browser.txt', size: 3, modifiedAt: 1_600_000_000_250 }], bucket: 'local-1250000000', prefix: 'mtime/', sse: 'AES256' });
    const stored = await service.receiveUploadBody(ticket.uploadId, 1, (async function* () { yield Buffer.from('abc'); })(), new AbortController().signal);
    assert.ok(stored.ok, JSON.stringify(stored));
    await waitFor('upload finished', async () => events.find((event) => event.type === 'upload-finished' && event.uploadId === ticket.uploadId));
    const credentials = JSON.parse(await readFile(path.join(root, 'data', 'engine', 'credentials.json'), 'utf8')) as { secretId: string; secretKey: string };
    const client = new CosClient({ credentials, region: 'ap-guangzhou', endpoint: service.engineEndpoint! });
    try {
      assert.equal((await client.headObject('local-1250000000', 'mtime/dated.txt')).metadata.mtime, '1709210096.789000');
      assert.equal((await client.headObject('local-1250000000', 'mtime/browser.txt')).metadata.mtime, '1600000000.250000');
    } finally {
      await client.close();
    }
  });

  it('a browser upload body is staged and stored; a short body is refused', async () => {
    const ticket = await service.startUpload({ files: [{ name: 'from-browser.txt', size: 5 }, { name: 'short.txt', size: 10 }], bucket: 'local-1250000000', prefix: '', sse: 'none' });
    assert.deepEqual(ticket.awaitingBody, [0, 1]);
    const stored = await service.receiveUploadBody(ticket.uploadId, 0, (async function* () { yield Buffer.from('hello'); })(), new AbortController().signal);
    assert.ok(stored.ok);
    if (stored.ok) assert.equal(stored.encryption.algorithm, 'none');
    const short = await service.receiveUploadBody(ticket.uploadId, 1, (async function* () { yield Buffer.from('abc'); })(), new AbortController().signal);
    assert.equal(short.ok, false);
  });

  it('rotating the engine key makes a new active version and re-seals old data keys', async () => {
    const original = await service.getEngineStatus();
    const rotated = await service.rotateEngineKey();
    assert.equal(rotated.activeKeyVersion, (original.activeKeyVersion ?? 0) + 1);
    const settled = await waitFor('re-seal finished', async () => {
      const status = await service.getEngineStatus();
      return status.rotation === null && status.keys.find((key) => key.version === original.activeKeyVersion)?.objects === 0 ? status : undefined;
    });
    assert.ok(settled.keys.find((key) => key.active)!.objects > 0);
  });

  it('testProfile answers with a readable error for a wrong key and ok for the engine', async () => {
    const engine = await service.testProfile({ kind: 'engine', name: 'local', bucket: 'local-1250000000' });
    assert.equal(engine.ok, true);
    const endpoint = service.engineEndpoint!;
    const wrong = await service.testProfile({ kind: 'cos', name: 'wrong', secretId: 'AKIDnope', secretKey: 'nope', region: 'ap-guangzhou', bucket: 'local-1250000000', endpoint });
    assert.equal(wrong.ok, false);
    if (!wrong.ok) {
      assert.equal(wrong.code, 'InvalidAccessKeyId');
      assert.match(wrong.hint ?? wrong.message, /SecretId/);
    }
    const missingBucket = await service.testProfile({ kind: 'engine', name: 'local', bucket: 'nothere-1250000000' });
    assert.equal(missingBucket.ok, false);
    if (!missingBucket.ok) assert.equal(missingBucket.code, 'NoSuchBucket');
  });

  it('settings keep the SecretKey out of views and in the secret store', async () => {
    const view = await service.updateSettings({ upsertProfiles: [{ kind: 'cos', name: 'Real COS', secretId: 'AKIDreal', secretKey: 'super-secret-key', region: 'ap-beijing', bucket: 'photos-1250000000' }] });
    const cos = view.profiles.find((profile) => profile.kind === 'cos');
    assert.ok(cos && cos.kind === 'cos' && cos.hasSecretKey);
    assert.ok(!JSON.stringify(view).includes('super-secret-key'));
    assert.ok(!JSON.stringify(settings.value).includes('super-secret-key'));
    assert.ok([...secrets.values.values()].includes('super-secret-key'));
  });

  it('exclude patterns from the settings apply to every folder', async () => {
    const folderId = (await service.getSnapshot()).folders[0]!.id;
    const saved = await service.updateSettings({ general: { excludes: ['*.log', 'cache/'] } });
    assert.deepEqual(saved.general.excludes, ['*.log', 'cache/']);
    await writeFile(path.join(folder, 'debug.log'), 'noise');
    await mkdir(path.join(folder, 'cache'));
    await writeFile(path.join(folder, 'cache', 'blob.bin'), 'cached');
    await writeFile(path.join(folder, 'kept.txt'), 'kept');
    await waitFor('kept.txt synced', async () => ((await rowsOf(folderId)).find((row) => row.path === 'kept.txt')?.status.state === 'synced' ? true : undefined));
    const paths = (await rowsOf(folderId)).map((row) => row.path);
    assert.ok(!paths.includes('debug.log') && !paths.includes('cache/blob.bin'), paths.join(', '));
    await service.updateSettings({ general: { excludes: [] } });
  });

  it('adding a folder validates the path and overlapping folders', async () => {
    await assert.rejects(service.addFolder({ localPath: path.join(root, 'missing') }), /is not a folder/);
    await assert.rejects(service.addFolder({ localPath: path.join(folder, 'photos') }), /overlaps/);
    const other = path.join(root, 'other');
    await mkdir(other);
    const added = await service.addFolder({ localPath: other, prefix: 'other/' });
    assert.equal(added.prefix, 'other/');
    await service.removeFolder(added.id);
    assert.equal((await service.getSnapshot()).folders.length, 1);
  });
});
