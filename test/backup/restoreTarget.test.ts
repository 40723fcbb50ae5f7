/** Hostile keys never leave the restore folder: the key table, symbolic links inside the folder, and a restore from a COS that serves them. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { restoreObjects } from '../../core/backup/restoreObjects.ts';
import { restoreTarget } from '../../core/backup/restoreTarget.ts';
import { digestOf, startFakeCos, type FakeCos } from '../fakes/fakeCos.ts';
import { BUCKET, clientFor } from '../cos/cosTestKit.ts';

const root = path.resolve('/restore/here');

describe('restoreTarget', () => {
  const refused: [string, RegExp][] = [
    ['../escape.txt', /'\.\.' or '\.' segment/],
    ['a/../../escape.txt', /'\.\.' or '\.' segment/],
    ['a/./b', /'\.\.' or '\.' segment/],
    ['..\\..\\windows.txt', /'\.\.' or '\.' segment/],
    ['/etc/passwd', /absolute path/],
    ['\\\\server\\share', /absolute path/],
    ['C:evil.txt', /absolute path/],
    ['nul\u0000byte', /NUL or control characters/],
    ['line\nbreak', /NUL or control characters/],
    ['a//b', /empty path segment/],
    ['', /empty/],
  ];
  for (const [key, reason] of refused) {
    test(`refuses ${JSON.stringify(key)}`, () => {
      const target = restoreTarget(root, key);
      assert.equal(target.ok, false);
      assert.match((target as { reason: string }).reason, reason);
    });
  }
  test('maps ordinary keys (unicode, spaces, dots inside names, folder markers) under the folder', () => {
    assert.deepEqual(restoreTarget(root, 'ünï/日本 語/file..name.txt'), { ok: true, path: path.join(root, 'ünï', '日本 語', 'file..name.txt'), directory: false });
    assert.deepEqual(restoreTarget(root, '.hidden/..dots'), { ok: true, path: path.join(root, '.hidden', '..dots'), directory: false });
    assert.deepEqual(restoreTarget(root, 'folder/'), { ok: true, path: path.join(root, 'folder'), directory: true });
  });
});

describe('restore from a server that lists hostile keys', () => {
  let fake: FakeCos;
  let base: string;
  before(async () => {
    fake = await startFakeCos({ buckets: [BUCKET] });
    base = await mkdtemp(path.join(tmpdir(), 'cos-sync-hostile-'));
    const objects = fake.buckets.get(BUCKET)!.objects;
    // Stored with the CRC-64 of other bytes: what a restore must catch (fetched whole, and in ranges whose CRCs it combines).
    for (const [key, size] of [['damaged/small.bin', 3000], ['damaged/ranged.bin', 5000]] as const) {
      const data = Buffer.alloc(size, 7);
      objects.set(key, { data, ...digestOf(data), crc64: digestOf(Buffer.alloc(size, 8)).crc64, contentType: 'application/octet-stream', metadata: {}, sse: { algorithm: 'AES256' }, lastModified: new Date() });
    }
    for (const key of ['p/../../escaped.txt', 'p//abs.txt', 'p/nul\u0000.txt', 'p/link/through.txt', 'p/good/file.txt']) {
      const data = Buffer.from(`content of ${key}`);
      objects.set(key, { data, ...digestOf(data), contentType: 'text/plain', metadata: {}, sse: { algorithm: 'AES256' }, lastModified: new Date() });
    }
  });
  after(async () => {
    await fake.close();
    await rm(base, { recursive: true, force: true });
  });

  test('bytes whose CRC-64 differs from the stored one fail the object and never get the final name (whole and ranged)', async () => {
    const folder = path.join(base, 'damaged');
    const client = clientFor(fake.endpoint, fake.credentials);
    try {
      const report = await restoreObjects(client, BUCKET, folder, { prefix: 'damaged/', rangedThreshold: 4096, partSize: 1024 });
      assert.equal(report.restored, 0);
      assert.deepEqual(report.failed.map((object) => object.key).sort(), ['damaged/ranged.bin', 'damaged/small.bin']);
      for (const object of report.failed) assert.match(object.message ?? '', /CRC-64/);
      assert.deepEqual((await readdir(folder).catch(() => [] as string[])).filter((name) => !name.startsWith('.')), []);
    } finally {
      await client.close();
    }
  });

  test('refuses each hostile key with a reason, writes nothing outside the folder, restores the rest', async () => {
    const folder = path.join(base, 'restore');
    const outside = path.join(base, 'outside');
    await mkdir(outside, { recursive: true });
    await mkdir(folder, { recursive: true });
    await symlink(outside, path.join(folder, 'link'));
    const client = clientFor(fake.endpoint, fake.credentials);
    try {
      const report = await restoreObjects(client, BUCKET, folder, { prefix: 'p/' });
      assert.equal(report.restored, 1);
      assert.deepEqual(report.refused.map((object) => object.key).sort(), ['p/../../escaped.txt', 'p//abs.txt', 'p/link/through.txt', 'p/nul\u0000.txt']);
      assert.match(report.refused.find((object) => object.key === 'p/link/through.txt')!.message!, /'link' inside the folder is a symbolic link/);
      assert.deepEqual(await readdir(outside), []);
      assert.equal(existsSync(path.join(base, 'escaped.txt')), false);
      assert.equal(existsSync(path.join(folder, 'good', 'file.txt')), true);
    } finally {
      await client.close();
    }
  });
});
