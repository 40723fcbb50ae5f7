/** Sync of a real watched folder (chokidar) into the real bundled engine: edits, renames, moves, deletes, bursts. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineHandle } from '../../core/engine/startEngine.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { MARKER_FILE } from '../../core/sync/folderConfig.ts';
import { startCountingProxy, type CountingProxy } from './countingProxy.ts';
import { eventually, remoteDifference, startSync, startTestEngine, tempDir, waitRemoteMatches, writeFile, type SyncEnv } from './engineSyncKit.ts';

const crcOf = (data: string | Buffer): string => crc64(Buffer.from(data)).toString();

describe('watched folder → bundled engine', () => {
  let engine: EngineHandle;
  let dataDir: string;
  const open: SyncEnv[] = [];
  const sync = async (...args: Parameters<typeof startSync>): Promise<SyncEnv> => {
    const env = await startSync(...args);
    open.push(env);
    return env;
  };

  before(async () => {
    dataDir = tempDir('sync-engine-data');
    engine = await startTestEngine(dataDir);
  });
  after(async () => {
    for (const env of open) await env.close();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('create, modify, rename, move between directories, delete with the default keep policy', async () => {
    const env = await sync(engine.endpoint, { files: { 'a.txt': 'alpha', 'docs/b.txt': 'bravo', 'docs/old/c.txt': 'charlie' } });
    await waitRemoteMatches(env);

    writeFile(env.root, 'new.txt', 'created while watching');
    await waitRemoteMatches(env);

    writeFile(env.root, 'a.txt', 'alpha, second version');
    await waitRemoteMatches(env);

    renameSync(path.join(env.root, 'docs/b.txt'), path.join(env.root, 'docs/b-renamed.txt'));
    await waitRemoteMatches(env);
    assert.ok(env.activity.some((a) => a.action === 'moved' && a.path === 'docs/b-renamed.txt'), 'the rename is a server-side move');

    mkdirSync(path.join(env.root, 'archive/2026'), { recursive: true });
    renameSync(path.join(env.root, 'docs/old/c.txt'), path.join(env.root, 'archive/2026/c.txt'));
    await waitRemoteMatches(env);
    assert.ok(env.activity.some((a) => a.action === 'moved' && a.path === 'archive/2026/c.txt'), 'the move is a server-side move');
    assert.ok(!env.activity.some((a) => a.action === 'uploaded' && (a.path === 'docs/b-renamed.txt' || a.path === 'archive/2026/c.txt')), 'moved content is not uploaded again');

    unlinkSync(path.join(env.root, 'new.txt'));
    await eventually('the delete reaches the journal', () => env.files.some((f) => f.path === 'new.txt' && f.state === 'deleted-locally'));
    // keep: the remote object stays, with its content.
    await waitRemoteMatches(env, { 'new.txt': crcOf('created while watching') });
  });

  test('mirror with the marker file: a local delete removes the remote object after an error-free pass', async () => {
    const env = await sync(engine.endpoint, { files: { [MARKER_FILE]: '', 'one.txt': '1', 'two.txt': '2', 'three.txt': '3' }, config: { deletePolicy: 'mirror' } });
    await waitRemoteMatches(env);
    unlinkSync(path.join(env.root, 'two.txt'));
    await eventually('the remote delete', () => env.files.some((f) => f.path === 'two.txt' && f.state === 'deleted-remote'));
    await waitRemoteMatches(env);
    assert.equal(env.loop.status.state, 'idle');
  });

  test('mirror without the marker: nothing is deleted and the folder shows an error with a hint', async () => {
    const env = await sync(engine.endpoint, { files: { 'one.txt': '1', 'two.txt': '2', 'three.txt': '3' }, config: { deletePolicy: 'mirror' } });
    await waitRemoteMatches(env);
    unlinkSync(path.join(env.root, 'two.txt'));
    await eventually('the MarkerMissing error', () => env.loop.status.state === 'error');
    const status = env.loop.status;
    assert.equal(status.state === 'error' && status.code, 'MarkerMissing');
    assert.match(status.state === 'error' ? (status.hint ?? '') : '', /\.cos-sync-root/);
    await env.manager.whenIdle();
    assert.equal(await remoteDifference(env.client, env.root, env.prefix, { 'two.txt': crcOf('2') }), '', 'the remote copy is kept');
  });

  test('mirror above the threshold: the folder asks (confirm-deletes) and deletes only after confirmDeletes()', async () => {
    const files: Record<string, string> = { [MARKER_FILE]: '' };
    for (let index = 0; index < 10; index++) files[`f${index}.txt`] = `file ${index}`;
    const env = await sync(engine.endpoint, { files, config: { deletePolicy: 'mirror', maxDeleteFiles: 3 } });
    await waitRemoteMatches(env);
    // Deleted while paused, so that all four deletes meet in one pass (the resume rescan); see the todo test below.
    env.manager.pause();
    for (let index = 0; index < 4; index++) unlinkSync(path.join(env.root, `f${index}.txt`));
    await env.manager.whenIdle();
    env.manager.resume();
    await eventually('confirm-deletes', () => env.loop.status.state === 'confirm-deletes', 20_000);
    const status = env.loop.status;
    assert.equal(status.state === 'confirm-deletes' && status.count, 4);
    await env.manager.whenIdle();
    const kept: Record<string, string> = {};
    for (let index = 0; index < 4; index++) kept[`f${index}.txt`] = crcOf(`file ${index}`);
    assert.equal(await remoteDifference(env.client, env.root, env.prefix, kept), '', 'nothing deleted before the confirmation');
    env.loop.confirmDeletes();
    await eventually('the confirmed deletes', () => env.files.filter((f) => f.state === 'deleted-remote').length === 4);
    await waitRemoteMatches(env);
  });

  test('a mass delete seen by the watcher in several batches still waits for one confirmation', async () => {
    const files: Record<string, string> = { [MARKER_FILE]: '' };
    for (let index = 0; index < 400; index++) files[`d${index % 4}/f${index}.txt`] = `file ${index}`;
    const env = await sync(engine.endpoint, { files, config: { deletePolicy: 'mirror' } });
    await waitRemoteMatches(env);
    // 300 of 400 files (75 %, > 100 files) vanish at once: the whole batch should wait for a confirmation.
    for (let d = 0; d < 3; d++) rmSync(path.join(env.root, `d${d}`), { recursive: true });
    await eventually('confirm-deletes', () => env.loop.status.state === 'confirm-deletes', 20_000);
    await env.manager.whenIdle();
    assert.equal(env.files.filter((f) => f.state === 'deleted-remote').length, 0, 'no remote object deleted before the confirmation');
  });

  test('a burst of 1,000 new files is uploaded, encrypted, with nothing extra', async () => {
    const env = await sync(engine.endpoint, { config: { concurrency: 8 } });
    await env.manager.whenIdle();
    for (let index = 0; index < 1000; index++) writeFileSync(path.join(env.root, `burst-${String(index).padStart(4, '0')}.txt`), `burst file ${index}\n`);
    await waitRemoteMatches(env, {}, 90_000);
  });

  test('a file modified during its upload ends with the final content remote', async () => {
    let proxy: CountingProxy | undefined;
    try {
      proxy = await startCountingProxy(engine.endpoint);
      proxy.bytesPerSecond = 6 * 1024 * 1024;
      const env = await sync(proxy.endpoint);
      await env.manager.whenIdle();
      // 40 MiB: five 8 MiB parts, four in flight, each slowed by the proxy; part 5 is read only after a part finishes,
      // so a change at 10 % makes the first upload a mix of both contents (socket buffers hide smaller files).
      const first = randomBytes(40 * 1024 * 1024);
      const final = randomBytes(40 * 1024 * 1024);
      writeFileSync(path.join(env.root, 'hot.bin'), first);
      await eventually('the upload is 10 % done', () => env.files.some((f) => f.path === 'hot.bin' && f.state === 'uploading' && f.percent >= 10), 15_000, 5);
      writeFileSync(path.join(env.root, 'hot.bin'), final);
      await eventually('the mix is detected', () => env.files.some((f) => f.path === 'hot.bin' && f.state === 'error'), 20_000);
      proxy.bytesPerSecond = 0;
      await waitRemoteMatches(env, {}, 40_000);
      const head = await env.client.headObject('sync-1250000000', `${env.prefix}hot.bin`);
      assert.equal(head.crc64, crcOf(final));
      // The first upload read a mix of both contents: it must have been caught (FileChanged), not recorded as synced.
      assert.ok(env.files.some((f) => f.path === 'hot.bin' && f.state === 'error'), 'the change during the upload was detected');
    } finally {
      await proxy?.close();
    }
  });

  test('a file written continuously for seconds ends remote with exactly the final local bytes (never a torn mix)', async () => {
    // Default debounce and hot-file hold: uploads start while the writer is still at work, so some read a file
    // being rewritten; each such upload must be caught and repeated until the remote holds the final bytes.
    const env = await sync(engine.endpoint, { config: { debounceMs: 300 }, manager: { loopOptions: { maxDelayMs: 60_000, probeBaseMs: 200, probeMaxMs: 1000, verifyIntervalMs: 20 } } });
    await env.manager.whenIdle();
    const file = path.join(env.root, 'continuous.bin');
    const until = Date.now() + 4000;
    let writes = 0;
    let final = Buffer.alloc(0);
    while (Date.now() < until) {
      // Rewrites (truncate, then write) of varying sizes, with pauses around the debounce so that uploads begin mid-stream.
      final = randomBytes(64 * 1024 + Math.floor(Math.random() * 2 * 1024 * 1024));
      writeFileSync(file, final);
      writes++;
      await new Promise((resolve) => setTimeout(resolve, writes % 5 === 0 ? 350 + Math.random() * 100 : Math.random() * 40));
    }
    const whileWriting = env.files.filter((f) => f.path === 'continuous.bin').map((f) => f.state);
    await waitRemoteMatches(env, {}, 60_000);
    const remote = await env.client.getObject('sync-1250000000', `${env.prefix}continuous.bin`);
    const chunks: Buffer[] = [];
    for await (const chunk of remote.body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    assert.ok(bytes.equals(final), `after ${writes} writes (states while writing: ${whileWriting.join(' ')}) the remote bytes (${bytes.length}) differ from the final local bytes (${final.length})`);
    assert.ok(whileWriting.length > 0, 'the sync acted on the file while it was still being written');
  });
});
