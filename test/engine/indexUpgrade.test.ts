/** An engine data dir written by an earlier release (index schema 0) upgrades in place: objects become null versions and read back byte for byte. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { TestEngine } from './engineClient.ts';
import { listedVersions } from './listedVersions.ts';
import { EngineIndex } from '../../core/engine/storage/engineIndex.ts';
import { indexMigrations } from '../../core/engine/storage/indexMigrations.ts';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/engine-data-v0');
const CREDENTIALS = { secretId: 'AKIDfixtureSecretId00000000000000000', secretKey: 'fixtureSecretKey0000000000000000' };

/** The fixture's content generator (see test/fixtures/engine-data-v0/README.md). */
function pattern(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(label).digest();
  for (let offset = 0; offset < size; offset += 32) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const userVersion = (file: string): number => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  } finally {
    db.close();
  }
};

describe('engine index upgrade', () => {
  it('opens a data dir of the first releases, migrates the index in place and serves every object as its null version', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'engine-upgrade-'));
    await cp(FIXTURE, dir, { recursive: true });
    assert.equal(userVersion(path.join(dir, 'index.sqlite')), 0, 'the fixture predates numbered migrations');
    const t = await TestEngine.start({ credentials: CREDENTIALS, buckets: [] }, dir);
    try {
      assert.equal(userVersion(path.join(dir, 'index.sqlite')), indexMigrations.length);
      const request = (options: Parameters<TestEngine['request']>[0]) => t.request({ bucket: 'fixture-1250000000', ...options });
      const expected: [string, Buffer, string | undefined][] = [
        ['docs/sse-cos.txt', pattern('sse-cos', 70_000), 'AES256'], ['docs/kms.bin', pattern('kms', 5000), 'cos/kms'],
        ['plain.txt', pattern('plain', 100), undefined], ['multi/part.bin', pattern('part1', 3000), 'AES256'],
      ];
      for (const [key, content, sse] of expected) {
        const got = await request({ key });
        assert.equal(got.status, 200, `GET ${key}`);
        assert.ok(got.body.equals(content), `${key} reads back byte for byte`);
        assert.equal(got.headers['x-cos-server-side-encryption'], sse);
        assert.ok((await request({ key, query: [['versionId', 'null']] })).body.equals(content), `${key} is its null version`);
      }
      assert.equal((await request({ key: 'plain.txt' })).headers['x-cos-meta-origin'], 'main d64f4ee');
      assert.deepEqual(listedVersions((await request({ query: [['versions', '']] })).text).map((entry) => `${entry.key}:${entry.versionId}:${entry.isLatest}`),
        ['docs/kms.bin:null:true', 'docs/sse-cos.txt:null:true', 'multi/part.bin:null:true', 'plain.txt:null:true']);
      const uploads = await request({ query: [['uploads', '']] });
      const uploadId = /<UploadID>([^<]+)<\/UploadID>/.exec(uploads.text)?.[1];
      assert.ok(uploadId, uploads.text);
      const part = pattern('pending', 2000);
      const complete = await request({
        method: 'POST', key: 'multi/pending.bin', query: [['uploadId', uploadId]],
        body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${createHash('md5').update(part).digest('hex')}"</ETag></Part></CompleteMultipartUpload>`,
      });
      assert.equal(complete.status, 200, `the unfinished upload completes after the upgrade: ${complete.text}`);
      assert.ok((await request({ key: 'multi/pending.bin' })).body.equals(part));

      // Versioning works on the upgraded bucket, and the pre-versioning object stays as version null.
      await request({ method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
      await request({ method: 'PUT', key: 'plain.txt', body: 'after the upgrade' });
      assert.ok((await request({ key: 'plain.txt', query: [['versionId', 'null']] })).body.equals(pattern('plain', 100)));
      assert.equal((await request({ key: 'plain.txt' })).text, 'after the upgrade');
    } finally {
      await t.close(true);
    }
    // A second open finds nothing to migrate; an index from a newer release is refused without being changed.
    const reopened = new EngineIndex(path.join(dir, 'index.sqlite'));
    reopened.db.exec(`PRAGMA user_version = ${indexMigrations.length + 1}`);
    reopened.close();
    assert.throws(() => new EngineIndex(path.join(dir, 'index.sqlite')), { code: 'SchemaTooNew' });
    assert.equal(userVersion(path.join(dir, 'index.sqlite')), indexMigrations.length + 1);
    await rm(dir, { recursive: true, force: true });
  });
});
