/** `cos-sync restore` against the bundled engine: a synced folder comes back byte- and mtime-equal; kill -9 then rerun resumes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { crc64File } from '../../core/protocol/crc64.ts';
import { temporaryPath } from '../../core/backup/downloadObject.ts';
import { CLI_BIN, runCli } from '../engine-peers/spawnEngine.ts';

const BUCKET = 'restore-1250000000';
const CREDENTIALS = { secretId: 'AKIDrestoreTest00000000000000000000', secretKey: 'restoreTestSecretKeyDoNotPrint00' };
const secrets = { COS_SECRET_ID: CREDENTIALS.secretId, COS_SECRET_KEY: CREDENTIALS.secretKey };
const BIG = 'big/video.bin';
const BIG_SIZE = 100 * 1024 * 1024;

/** Every regular file under `root` (relative path → size, CRC-64, mtimeMs), temporary restore files included. */
async function inventory(root: string): Promise<Map<string, { size: number; crc64: string; mtimeMs: number }>> {
  const found = new Map<string, { size: number; crc64: string; mtimeMs: number }>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const info = await stat(full);
    found.set(path.relative(root, full).split(path.sep).join('/'), { size: info.size, crc64: String(await crc64File(full)), mtimeMs: info.mtimeMs });
  }
  return found;
}

describe('restore round trip', () => {
  let base: string;
  let source: string;
  let engine: EngineHandle;
  let client: CosClient;
  let original: Map<string, { size: number; crc64: string; mtimeMs: number }>;
  const connection = (): string[] => ['--bucket', BUCKET, '--region', 'ap-guangzhou', '--endpoint', engine.endpoint, '--prefix', 'home/'];

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cos-sync-restore-'));
    source = path.join(base, 'source');
    const files: [string, Buffer][] = [
      ['a.txt', Buffer.from('alpha')],
      ['empty.txt', Buffer.alloc(0)],
      ['nested/deeper/deepest/leaf.md', Buffer.from('# leaf')],
      ['nested/empty-too', Buffer.alloc(0)],
      ['ünïcødé/日本語のファイル.txt', Buffer.from('こんにちは')],
      ['ünïcødé/emoji 🎉 name.bin', randomBytes(70_000)],
      ['spaces and (brackets)/file [1].txt', randomBytes(1234)],
      [BIG, randomBytes(BIG_SIZE)],
    ];
    for (const [index, [name, data]] of files.entries()) {
      const file = path.join(source, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
      // Distinct times with sub-millisecond fractions, years apart, so a restore that keeps "now" cannot pass.
      const seconds = 1_500_000_000 + index * 10_000_000 + 0.123456;
      await utimes(file, seconds, seconds);
    }
    original = await inventory(source);
    engine = await startEngine({ dataDir: path.join(base, 'engine'), port: 0, credentials: CREDENTIALS, buckets: [BUCKET], backgroundRewrap: false });
    client = new CosClient({ credentials: CREDENTIALS, region: 'ap-guangzhou', endpoint: engine.endpoint });
    const synced = await runCli(['sync', source, '--once', '--bucket', BUCKET, '--region', 'ap-guangzhou', '--endpoint', engine.endpoint, '--prefix', 'home', '--journal', path.join(base, 'journal.sqlite')], 300_000, secrets);
    assert.equal(synced.code, 0, synced.stderr);
  });
  after(async () => {
    await client.close();
    await engine.close();
    await rm(base, { recursive: true, force: true });
  });

  test('sync stores each file modification time as x-cos-meta-mtime (seconds with fraction)', async () => {
    const head = await client.headObject(BUCKET, 'home/a.txt');
    assert.match(head.metadata.mtime ?? '', /^\d+\.\d{6}$/);
    assert.equal(Number(head.metadata.mtime) * 1000, Math.round(original.get('a.txt')!.mtimeMs * 1000) / 1000);
  });

  test('wipe and restore: every byte and modification time comes back; a second run changes nothing', async () => {
    const target = path.join(base, 'restored');
    const run = await runCli(['restore', target, ...connection(), '--part-size', '8M'], 300_000, secrets);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, new RegExp(`Restored ${original.size} of ${original.size} objects`));
    const restored = await inventory(target);
    assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort(), 'no temporary files are left, nothing is missing');
    for (const [name, file] of original) {
      const back = restored.get(name)!;
      assert.equal(back.size, file.size, name);
      assert.equal(back.crc64, file.crc64, name);
      // utimes takes seconds as a double: sub-microsecond digits cannot survive it, so compare to the microsecond.
      assert.ok(Math.abs(back.mtimeMs - file.mtimeMs) < 0.001, `${name}: mtime ${back.mtimeMs} vs ${file.mtimeMs}`);
    }
    const again = await runCli(['restore', target, ...connection()], 300_000, secrets);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Restored 0 of ${original.size} objects .*; ${original.size} already there`));
  });

  test('kill -9 mid-restore, then a rerun completes, fetching only what was missing; no partial file ever has the final name', async () => {
    const target = path.join(base, 'crashed');
    const child = spawn(process.execPath, [CLI_BIN, 'restore', target, ...connection(), '--part-size', '1M', '--concurrency', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...secrets },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const finalBig = path.join(target, BIG);
    let sawPartial = false;
    // Wait until the big object's ranges are partly on disk (its note lists finished ranges), then kill -9.
    for (let attempt = 0; attempt < 6000 && !sawPartial; attempt++) {
      const entries = await readdir(path.join(target, 'big')).catch(() => [] as string[]);
      const note = entries.find((name) => name.endsWith('.part.json'));
      if (note) {
        const { done } = JSON.parse(await readFile(path.join(target, 'big', note), 'utf8').catch(() => '{"done":[]}')) as { done: number[] };
        sawPartial = done.length >= 10;
      }
      assert.equal(existsSync(finalBig), false, 'the final name never appears before the file is complete');
      if (!sawPartial) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(sawPartial, 'the restore was killed while the big object was partly fetched');
    assert.equal(existsSync(finalBig), false, 'the killed run left no file under the final name');

    const rerun = await runCli(['restore', target, ...connection(), '--part-size', '1M'], 300_000, secrets);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    const resumed = /Resumed ([\d.]+) MiB fetched by an earlier run/.exec(rerun.stdout);
    assert.ok(resumed && Number(resumed[1]) >= 10, rerun.stdout);
    const restored = await inventory(target);
    assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort());
    for (const [name, file] of original) assert.equal(restored.get(name)!.crc64, file.crc64, name);
  });

  test('a torn range note left by a crash (empty or cut JSON) means a fresh start of that object, not a failure', async () => {
    const target = path.join(base, 'torn-note');
    const finalBig = path.join(target, BIG);
    await mkdir(path.dirname(finalBig), { recursive: true });
    const temporary = temporaryPath(finalBig, `home/${BIG}`);
    await writeFile(temporary, randomBytes(3 * 1024 * 1024));
    await writeFile(`${temporary}.json`, '{"key":"home/big/vid');
    const run = await runCli(['restore', target, ...connection(), '--part-size', '1M'], 300_000, secrets);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal((await crc64File(finalBig)).toString(), original.get(BIG)!.crc64);
    assert.equal(existsSync(`${temporary}.json`), false, 'the note is gone once the object is restored');
  });

  test('local files: same content skipped, different content kept (exit 3) unless --overwrite', async () => {
    await client.putObject(BUCKET, 'small/a.txt', Buffer.from('alpha'));
    await client.putObject(BUCKET, 'small/empty.txt', Buffer.alloc(0));
    const target = path.join(base, 'conflicts');
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, 'a.txt'), 'alpha');
    await writeFile(path.join(target, 'empty.txt'), 'not empty any more');
    const small = [...connection().slice(0, -1), 'small/'];
    const kept = await runCli(['restore', target, ...small], 60_000, secrets);
    assert.equal(kept.code, 3, kept.stderr + kept.stdout);
    assert.match(kept.stdout, /1 kept \(local file differs; --overwrite replaces it\):\n {2}"small\/empty.txt"/);
    assert.match(kept.stdout, /1 already there/);
    assert.equal((await stat(path.join(target, 'empty.txt'))).size, 18);
    const replaced = await runCli(['restore', target, ...small, '--overwrite'], 60_000, secrets);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal((await stat(path.join(target, 'empty.txt'))).size, 0);
  });

  test('SSE-C objects need --sse-c-key (a clear failure without it) and restore with it', async () => {
    const key = Buffer.from('0123456789ABCDEF0123456789ABCDEF');
    await client.putObject(BUCKET, 'secret/a.bin', Buffer.from('customer-key data'), { sse: { mode: 'customer', key } });
    const target = path.join(base, 'secret');
    const small = [...connection().slice(0, -1), 'secret/'];
    const without = await runCli(['restore', target, ...small], 60_000, secrets);
    assert.equal(without.code, 1, without.stdout);
    assert.match(without.stdout, /1 failed:\n {2}"secret\/a.bin" {2}The object is encrypted with a customer key \(SSE-C\): pass the key with --sse-c-key\./);
    const withKey = await runCli(['restore', target, ...small], 60_000, { ...secrets, COS_SSE_C_KEY: key.toString('base64') });
    assert.equal(withKey.code, 0, withKey.stdout + withKey.stderr);
    assert.equal(await readFile(path.join(target, 'a.bin'), 'utf8'), 'customer-key data');
    assert.doesNotMatch(withKey.stdout + withKey.stderr, new RegExp(key.toString('base64').slice(0, 12)));
  });
});
