/** kill -9 of the engine child during versioned writes and deletes, and during a lifecycle sweep: after restart every acknowledged version is whole and nothing else appears. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertStoreConsistent } from './assertStoreConsistent.ts';
import { cosRequest, header, type CosTarget } from './cosRequest.ts';
import { queryIndex } from './engineStorage.ts';
import { spawnEngine, type EngineChild } from './spawnEngine.ts';
import { makeTempDir } from './startTestEngine.ts';

const SSE_HEADERS = { 'x-cos-server-side-encryption': 'AES256' };

const children: EngineChild[] = [];
const dirs: string[] = [];

async function start(dataDir: string, extra: string[] = []): Promise<EngineChild> {
  const child = await spawnEngine(dataDir, 30_000, extra);
  children.push(child);
  return child;
}

async function enableVersioning(target: CosTarget): Promise<void> {
  const answer = await cosRequest(target, { method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  assert.equal(answer.status, 200);
}

interface ListedEntry {
  key: string;
  versionId: string;
  deleteMarker: boolean;
}

/** Every version and marker of the bucket, paging with both markers. */
async function allVersions(target: CosTarget): Promise<ListedEntry[]> {
  const out: ListedEntry[] = [];
  let keyMarker = '';
  let versionIdMarker = '';
  for (;;) {
    const page = (await cosRequest(target, { method: 'GET', query: [['versions', ''], ['key-marker', keyMarker], ['version-id-marker', versionIdMarker]] })).body.toString();
    for (const match of page.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId>/g)) {
      out.push({ key: match[2]!, versionId: match[3]!, deleteMarker: match[1] === 'DeleteMarker' });
    }
    if (!page.includes('<IsTruncated>true</IsTruncated>')) return out;
    keyMarker = /<NextKeyMarker>([^<]*)</.exec(page)![1]!;
    versionIdMarker = /<NextVersionIdMarker>([^<]*)</.exec(page)?.[1] ?? '';
  }
}

const digest = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

describe('engine crash safety of versions (kill -9)', () => {
  after(async () => {
    for (const child of children) await child.kill9();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 during versioned writes and deletes: acknowledged versions survive byte for byte, deleted ones stay deleted, nothing unknown appears', async () => {
    const dataDir = await makeTempDir('crash-versions');
    dirs.push(dataDir);
    let engine = await start(dataDir);
    await enableVersioning(engine.target);
    const keys = Array.from({ length: 6 }, (_, index) => `v/key-${index}`);
    const sent = new Map<string, Set<string>>(keys.map((key) => [key, new Set()]));
    const acknowledged = new Map<string, { key: string; digest: string; content: Buffer }>();
    const deleted = new Set<string>();
    // Deletes sent but never answered (the kill came first): the version may be there or gone, both are correct.
    const deleting = new Set<string>();
    const markers = new Set<string>();
    // Shared with the workers, which run while this test waits.
    const progress = { stop: false, operations: 0 };
    const worker = async (seed: number): Promise<void> => {
      for (let step = 0; !progress.stop; step++) {
        const key = keys[(seed * 7 + step) % keys.length]!;
        const roll = (seed * 31 + step * 17) % 10;
        if (roll < 6) {
          const content = randomBytes(1000 + ((seed + step) % 50) * 1000);
          sent.get(key)!.add(digest(content));
          const answer = await cosRequest(engine.target, { method: 'PUT', key, body: content, headers: SSE_HEADERS }, 10_000);
          if (answer.status === 200) acknowledged.set(header(answer, 'x-cos-version-id')!, { key, digest: digest(content), content });
        } else if (roll < 8) {
          const answer = await cosRequest(engine.target, { method: 'DELETE', key }, 10_000);
          if (answer.status === 204) markers.add(header(answer, 'x-cos-version-id')!);
        } else {
          const victim = [...acknowledged].find(([id, entry]) => entry.key === key && !deleted.has(id));
          if (!victim) continue;
          deleting.add(victim[0]);
          const answer = await cosRequest(engine.target, { method: 'DELETE', key, query: [['versionId', victim[0]]] }, 10_000);
          if (answer.status === 204) deleted.add(victim[0]);
          else if (answer.status !== 0) deleting.delete(victim[0]);
        }
        progress.operations++;
      }
    };
    const workers = Array.from({ length: 6 }, (_, seed) => worker(seed));
    while (progress.operations < 150) await sleep(5);
    await engine.kill9();
    progress.stop = true;
    await Promise.all(workers);

    engine = await start(dataDir);
    assertStoreConsistent(dataDir);
    const listed = await allVersions(engine.target);
    const listedIds = new Set(listed.map((entry) => entry.versionId));
    for (const [versionId, entry] of acknowledged) {
      if (deleted.has(versionId)) {
        assert.ok(!listedIds.has(versionId), `acknowledged delete of ${versionId} stays deleted`);
        continue;
      }
      if (deleting.has(versionId) && !listedIds.has(versionId)) continue;
      assert.ok(listedIds.has(versionId), `acknowledged version ${versionId} of ${entry.key} is listed`);
      const got = await cosRequest(engine.target, { method: 'GET', key: entry.key, query: [['versionId', versionId]] });
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(entry.content), `version ${versionId} reads back byte for byte`);
      assert.equal(header(got, 'x-cos-server-side-encryption'), 'AES256');
    }
    for (const marker of markers) assert.ok(listedIds.has(marker), `acknowledged delete marker ${marker} is listed`);
    for (const entry of listed) {
      if (entry.deleteMarker) continue;
      const got = await cosRequest(engine.target, { method: 'GET', key: entry.key, query: [['versionId', entry.versionId]] });
      assert.equal(got.status, 200, `listed version ${entry.versionId} reads`);
      assert.ok(sent.get(entry.key)!.has(digest(got.body)), `listed version ${entry.versionId} of ${entry.key} holds a body that was sent for that key, whole`);
    }
    console.log(`versioned crash: ${progress.operations} operations before the kill; ${acknowledged.size} versions acknowledged, ${deleted.size} deleted by id, ${markers.size} markers; ${listed.length} entries after restart`);
    await engine.stop();
  });

  it('kill -9 during a lifecycle sweep: restart, the sweep resumes to completion, current versions untouched', async () => {
    const dataDir = await makeTempDir('crash-lifecycle');
    dirs.push(dataDir);
    const dayFlag = ['--lifecycle-day', '1'];
    let engine = await start(dataDir, dayFlag);
    await enableVersioning(engine.target);
    const keys = Array.from({ length: 40 }, (_, index) => `old/${String(index).padStart(3, '0')}`);
    const current = new Map<string, Buffer>();
    for (let round = 0; round < 30; round++) {
      await Promise.all(keys.map(async (key) => {
        const content = randomBytes(200 + round);
        const answer = await cosRequest(engine.target, { method: 'PUT', key, body: content, headers: SSE_HEADERS });
        assert.equal(answer.status, 200);
        current.set(key, content);
      }));
    }
    const noncurrent = (): number => Number(queryIndex(dataDir, 'SELECT COUNT(*) AS n FROM objects WHERE noncurrent_since IS NOT NULL')[0]!.n);
    const total = noncurrent();
    assert.equal(total, keys.length * 29);
    // Day = 1 s: versions noncurrent for a "day" go at the next sweep (every second).
    const rule = '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>old/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>';
    assert.equal((await cosRequest(engine.target, { method: 'PUT', query: [['lifecycle', '']], body: rule })).status, 200);
    let left = total;
    const deadline = Date.now() + 60_000;
    while (left === total && Date.now() < deadline) {
      await sleep(1);
      try {
        left = noncurrent();
      } catch {
        // the sweep holds the write lock for a moment
      }
    }
    await engine.kill9();
    left = noncurrent();
    console.log(`lifecycle crash: killed with ${left} of ${total} noncurrent versions left`);
    assert.ok(left < total, 'the sweep had started when the engine was killed');

    // With the default day length nothing is due yet, so the store can be checked with no sweep running.
    engine = await start(dataDir);
    assertStoreConsistent(dataDir);
    assert.equal(noncurrent(), left, 'the batches applied before the kill stayed applied; nothing else changed');
    await engine.stop();
    engine = await start(dataDir, dayFlag);
    const finished = Date.now() + 60_000;
    while (noncurrent() > 0 && Date.now() < finished) await sleep(50);
    assert.equal(noncurrent(), 0, 'after the restart the sweep finishes the job');
    // A graceful stop waits for the sweep's last unlinks; the next start finds nothing to sweep up.
    await engine.stop();
    engine = await start(dataDir);
    assertStoreConsistent(dataDir);
    for (const [key, content] of current) {
      const got = await cosRequest(engine.target, { method: 'GET', key });
      assert.ok(got.body.equals(content), `${key}: the current version is untouched`);
    }
    await engine.stop();
  });
});
