/** Nothing the app or the engine writes is readable by other local users, even in a data folder made 0755 beforehand (issue 15, item 3). */
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppService, type AppService } from '../../core/app/service.ts';
import { makePrivateDatabase, makePrivateDir, makePrivateFile } from '../../core/common/privateFiles.ts';
import { startEngine } from '../../core/engine/startEngine.ts';

/** Every entry under `dir` (itself included) whose mode gives group or others any access, as `path mode`. */
async function exposed(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (entry: string): Promise<void> => {
    const info = await lstat(entry).catch(() => undefined); // SQLite may remove a -shm or -journal while we walk
    if (!info || info.isSymbolicLink()) return;
    if ((info.mode & 0o077) !== 0) found.push(`${path.relative(dir, entry) || '.'} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const name of await readdir(entry).catch(() => [])) await visit(path.join(entry, name));
  };
  await visit(dir);
  return found;
}

/** Names of every file under `dir`, relative. */
async function files(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) if (entry.isFile()) names.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  return names.sort();
}

const onWindows = process.platform === 'win32';

describe('private data folders', { skip: onWindows && 'POSIX modes only' }, () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-private-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('cos-sync serve’s service in a pre-made 0755 data folder: folder 0700, journal (+WAL/SHM), settings, secrets, staging and engine files 0600', async () => {
    const data = path.join(root, 'serve-data');
    const synced = path.join(root, 'synced');
    await mkdir(data, { mode: 0o755 });
    await chmod(data, 0o755);
    // What an older version left behind: a world-readable settings file.
    await writeFile(path.join(data, 'settings.json'), '{}\n', { mode: 0o644 });
    await chmod(path.join(data, 'settings.json'), 0o644);
    await mkdir(synced);
    await writeFile(path.join(synced, 'a.txt'), 'first file');
    let service: AppService | undefined;
    try {
      service = await createAppService({ dataDir: data, mode: 'headless', folders: [synced], folderDefaults: { debounceMs: 50 } });
      await service.whenIdle();
      await service.updateSettings({ upsertProfiles: [{ kind: 'cos', name: 'Real COS', secretId: 'AKIDEXAMPLE', secretKey: 'a-secret-key', region: 'ap-guangzhou', bucket: 'b-1250000000' }] });
      const ticket = await service.startUpload({ files: [{ name: 'browser.txt', size: 5 }], bucket: 'local-1250000000', prefix: 'in', sse: 'AES256' });
      const result = await service.receiveUploadBody(ticket.uploadId, 0, (async function* () { yield Buffer.from('hello'); })(), new AbortController().signal);
      assert.equal(result.ok, true);
      const written = await files(data);
      for (const expected of ['settings.json', 'secrets.json', 'journal.sqlite', 'journal.sqlite-wal', 'journal.sqlite-shm', path.join('engine', 'index.sqlite'), path.join('engine', 'index.sqlite-wal')]) {
        assert.ok(written.includes(expected), `${expected} exists while running (found ${written.join(', ')})`);
      }
      assert.deepEqual(await exposed(data), [], 'while running');
    } finally {
      await service?.close();
    }
    assert.equal((await stat(data)).mode & 0o777, 0o700);
    assert.deepEqual(await exposed(data), [], 'after close');
  });

  it('the standalone engine tightens a pre-made 0755 data folder and writes nothing group- or other-readable', async () => {
    const data = path.join(root, 'engine-data');
    await mkdir(data, { mode: 0o755 });
    await chmod(data, 0o755);
    const engine = await startEngine({ dataDir: data, port: 0, buckets: ['b-1250000000'] });
    try {
      assert.deepEqual(await exposed(data), [], 'while running');
    } finally {
      await engine.close();
    }
    assert.deepEqual(await exposed(data), []);
  });

  it('helpers: create private, tighten what exists, never truncate', async () => {
    const dir = path.join(root, 'helpers', 'nested');
    makePrivateDir(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.dirname(dir))).mode & 0o777, 0o700, 'missing parents are created private too');
    const file = path.join(dir, 'kept.txt');
    await writeFile(file, 'content', { mode: 0o666 });
    await chmod(file, 0o666);
    makePrivateFile(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(file)).size, 7);
    const database = path.join(dir, 'x.sqlite');
    await writeFile(`${database}-wal`, '', { mode: 0o644 });
    await chmod(`${database}-wal`, 0o644);
    makePrivateDatabase(database);
    assert.deepEqual(await exposed(dir), []);
  });
});
