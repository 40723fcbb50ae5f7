/** The index's version model: invariants over a random mix of writes and deletes, and version listing across index batch boundaries. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listVersionsPage } from '../../core/engine/api/listVersions.ts';
import { EngineIndex, type NewObject, type VersioningState } from '../../core/engine/storage/engineIndex.ts';
import { newObjectId } from '../../core/engine/storage/objectVersions.ts';

const BUCKET = 'test-1250000000';

function fresh(key: string, now: number): NewObject {
  return {
    bucket: BUCKET, key, objectId: newObjectId(), size: 1, etag: 'e', crc64: '0', modified: now, contentType: 'text/plain', headers: {}, meta: {}, tags: [],
    sse: 'none', kmsKeyId: null, kmsContext: null, customerMd5: null, customerSalt: null, customerFingerprint: null,
  };
}

/** A tiny deterministic generator (the test must fail the same way every run). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('object versions in the index', () => {
  let dir: string;
  let index: EngineIndex;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'object-versions-'));
    index = new EngineIndex(path.join(dir, 'index.sqlite'));
    // Hundreds of small transactions: durability is not what this test is about.
    index.db.exec('PRAGMA synchronous = OFF');
    index.createBucket(BUCKET, 0, 'private');
  });
  after(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps one current row per key (the newest), at most one null version, and markers only where versioning is configured', () => {
    const random = seeded(7);
    const keys = ['k0', 'k1', 'k2', 'k3'];
    const states: VersioningState[] = [null, 'Enabled', 'Suspended', 'Enabled', 'Suspended'];
    let now = 1000;
    for (const versioning of states) {
      if (versioning !== null) index.setBucketVersioning(BUCKET, versioning);
      for (let step = 0; step < 200; step++) {
        const key = keys[Math.floor(random() * keys.length)]!;
        const roll = random();
        now += 1;
        index.transaction(() => {
          if (roll < 0.55) index.versions.put(versioning, fresh(key, now));
          else if (roll < 0.8) index.versions.deleteCurrent(versioning, BUCKET, key, now);
          else {
            const all = index.versions.listVersions(BUCKET, key, true, `${key}\u0000`, 100);
            const victim = all[Math.floor(random() * all.length)];
            if (victim) index.versions.deleteVersion(BUCKET, key, victim.versionId);
          }
        });
        for (const checked of keys) {
          const rows = index.versions.listVersions(BUCKET, checked, true, `${checked}\u0000`, 1000);
          if (rows.length === 0) continue;
          assert.deepEqual(rows.map((row) => row.noncurrentSince === null), rows.map((_, at) => at === 0), `${checked}: only the newest row is current`);
          assert.ok(rows.filter((row) => row.versionId === 'null').length <= 1, `${checked}: at most one null version`);
          if (versioning === null) assert.ok(rows.every((row) => !row.deleteMarker && row.versionId === 'null'), 'unversioned buckets hold only null data versions');
          for (const row of rows.slice(1)) assert.ok(row.noncurrentSince !== null && row.noncurrentSince >= row.modified, 'noncurrent since a time after it was written');
        }
      }
    }
  });

  it('lists the same sequence whatever the index batch size, from every marker', () => {
    index.setBucketVersioning(BUCKET, 'Enabled');
    for (const key of ['p/a', 'p/b', 'q', 'r/s/t']) for (let version = 0; version < 5; version++) index.transaction(() => index.versions.put('Enabled', fresh(key, 5000 + version)));
    index.transaction(() => index.versions.deleteCurrent('Enabled', BUCKET, 'q', 6000));
    const ctx = { index };
    for (const delimiter of ['', '/']) {
      const reference = listVersionsPage(ctx, BUCKET, { prefix: '', delimiter, keyMarker: '', versionIdMarker: '', maxKeys: 1000 });
      for (const batch of [1, 2, 3]) {
        for (const maxKeys of [1, 3, 7]) {
          const seen: string[] = [];
          let keyMarker = '';
          let versionIdMarker = '';
          for (let pages = 0; pages < 500; pages++) {
            const page = listVersionsPage(ctx, BUCKET, { prefix: '', delimiter, keyMarker, versionIdMarker, maxKeys, batch });
            seen.push(...page.commonPrefixes.map((prefix) => `prefix:${prefix}`), ...page.versions.map((entry) => `${entry.key}#${entry.versionId}`));
            if (!page.isTruncated) break;
            keyMarker = page.nextKeyMarker!;
            versionIdMarker = page.nextVersionIdMarker ?? '';
          }
          const expected = [...reference.commonPrefixes.map((prefix) => `prefix:${prefix}`), ...reference.versions.map((entry) => `${entry.key}#${entry.versionId}`)];
          // Pages keep listing order; with a delimiter the prefixes of a page are gathered apart from its versions.
          if (delimiter === '') assert.deepEqual(seen, expected, `batch ${batch}, max-keys ${maxKeys}`);
          else assert.deepEqual(seen.sort(), expected.sort(), `delimiter '${delimiter}', batch ${batch}, max-keys ${maxKeys}`);
        }
      }
    }
  });
});
