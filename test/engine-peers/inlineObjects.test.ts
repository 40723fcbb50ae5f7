/** Small objects kept in the engine index: no blob file, the same encryption and reads, removed with their version, tamper-evident, durable across a restart. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_INLINE_MAX } from '../../core/engine/content/segmentWriter.ts';
import { assertStoreConsistent } from './assertStoreConsistent.ts';
import { cosRequest, header } from './cosRequest.ts';
import { blobPath, filesContaining, indexFile, listFiles, objectSegments, queryIndex } from './engineStorage.ts';
import { startTestEngine, TEST_BUCKET, type TestEngine } from './startTestEngine.ts';

const SSE = { 'x-cos-server-side-encryption': 'AES256' };

function inlineRows(dataDir: string, key: string): number {
  const rows = queryIndex(dataDir, `SELECT count(*) AS n FROM inline_blobs i JOIN segments s USING (blob_id) WHERE s.key = ?`, key);
  return Number(rows[0]!.n);
}

describe('objects kept in the engine index', () => {
  let engine: TestEngine;

  before(async () => {
    engine = await startTestEngine();
  });

  after(async () => {
    await engine?.close();
  });

  async function put(key: string, body: Buffer, headers: Record<string, string> = SSE): Promise<void> {
    const response = await cosRequest(engine.target, { method: 'PUT', key, body, headers });
    assert.equal(response.status, 200, response.body.toString());
    assert.equal(header(response, 'etag'), `"${createHash('md5').update(body).digest('hex')}"`, 'the ETag is the MD5 of the body');
    assert.equal(header(response, 'x-cos-server-side-encryption'), headers['x-cos-server-side-encryption']);
  }

  it('up to the limit an object has no blob file; one byte more has one; both read back whole and in ranges', async () => {
    const small = randomBytes(DEFAULT_INLINE_MAX);
    const large = randomBytes(DEFAULT_INLINE_MAX + 1);
    await put('inline/at-limit.bin', small);
    await put('inline/over-limit.bin', large);
    const [kept] = objectSegments(engine.dataDir, TEST_BUCKET, 'inline/at-limit.bin');
    const [filed] = objectSegments(engine.dataDir, TEST_BUCKET, 'inline/over-limit.bin');
    assert.equal(existsSync(kept!.path), false, 'no blob file for the small object');
    assert.equal(inlineRows(engine.dataDir, 'inline/at-limit.bin'), 1);
    assert.equal(existsSync(filed!.path), true, 'a blob file for the larger one');
    assert.equal(inlineRows(engine.dataDir, 'inline/over-limit.bin'), 0);
    for (const [key, body] of [['inline/at-limit.bin', small], ['inline/over-limit.bin', large]] as const) {
      const whole = await cosRequest(engine.target, { method: 'GET', key });
      assert.equal(whole.status, 200);
      assert.ok(whole.body.equals(body), `${key} reads back`);
      assert.equal(header(whole, 'x-cos-server-side-encryption'), 'AES256');
      const ranged = await cosRequest(engine.target, { method: 'GET', key, headers: { range: 'bytes=1000-20999' } });
      assert.equal(ranged.status, 206);
      assert.ok(ranged.body.equals(body.subarray(1000, 21000)), `${key} range reads back`);
    }
    const empty = Buffer.alloc(0);
    await put('inline/empty.bin', empty);
    assert.equal((await cosRequest(engine.target, { method: 'GET', key: 'inline/empty.bin' })).body.length, 0);
    assertStoreConsistent(engine.dataDir);
  });

  it('the stored bytes are sealed like a blob: no plaintext in the index or its WAL; a plain object is found, proving the search', async () => {
    const marker = Buffer.from(`INLINE-MARKER:${randomBytes(20).toString('hex')}`.padEnd(64, '#'));
    const body = Buffer.concat(Array.from({ length: 100 }, () => marker));
    await put('inline/secret.bin', body);
    assert.deepEqual(filesContaining(engine.dataDir, marker), [], 'no file holds the plaintext');
    const [stored] = queryIndex(engine.dataDir, 'SELECT i.data FROM inline_blobs i JOIN segments s USING (blob_id) WHERE s.key = ?', 'inline/secret.bin');
    assert.equal(Buffer.from(stored!.data as Uint8Array).subarray(0, 4).toString('latin1'), 'CSPS', 'the package stream header');
    await put('inline/plain.bin', body, {});
    assert.ok(filesContaining(engine.dataDir, marker).some((file) => file.includes('index.sqlite')), 'a plain small object is in the index');
  });

  it('overwrite, delete, copy and versions: the stored bytes go with their version and a copy gets its own', async () => {
    await put('inline/replaced.bin', randomBytes(1000));
    const second = randomBytes(2000);
    await put('inline/replaced.bin', second);
    assert.equal(inlineRows(engine.dataDir, 'inline/replaced.bin'), 1, 'the replaced bytes are gone');
    const copy = await cosRequest(engine.target, { method: 'PUT', key: 'inline/copy.bin', headers: { ...SSE, 'x-cos-copy-source': `${TEST_BUCKET}.cos.ap-guangzhou.myqcloud.com/inline/replaced.bin` } });
    assert.equal(copy.status, 200, copy.body.toString());
    assert.ok((await cosRequest(engine.target, { method: 'GET', key: 'inline/copy.bin' })).body.equals(second));
    assert.equal(inlineRows(engine.dataDir, 'inline/copy.bin'), 1);
    assert.equal((await cosRequest(engine.target, { method: 'DELETE', key: 'inline/replaced.bin' })).status, 204);
    assert.equal(inlineRows(engine.dataDir, 'inline/replaced.bin'), 0, 'a delete removes the bytes');
    assert.ok((await cosRequest(engine.target, { method: 'GET', key: 'inline/copy.bin' })).body.equals(second), 'the copy is independent');

    const versioning = await cosRequest(engine.target, { method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    assert.equal(versioning.status, 200, versioning.body.toString());
    const first = randomBytes(3000);
    await put('inline/versioned.bin', first);
    await put('inline/versioned.bin', randomBytes(4000));
    const listed = await cosRequest(engine.target, { method: 'GET', query: [['versions', ''], ['prefix', 'inline/versioned.bin']] });
    const versionIds = [...listed.body.toString().matchAll(/<VersionId>([^<]+)<\/VersionId>/g)].map((match) => match[1]!);
    assert.equal(versionIds.length, 2);
    const old = await cosRequest(engine.target, { method: 'GET', key: 'inline/versioned.bin', query: [['versionId', versionIds[1]!]] });
    assert.ok(old.body.equals(first), 'the older version still reads');
    assert.equal((await cosRequest(engine.target, { method: 'DELETE', key: 'inline/versioned.bin', query: [['versionId', versionIds[1]!]] })).status, 204);
    assert.equal(inlineRows(engine.dataDir, 'inline/versioned.bin'), 1, 'deleting a version removes its bytes only');
    assertStoreConsistent(engine.dataDir);
  });

  it('altered stored bytes fail the GET and send no altered byte; the bytes survive a restart', async () => {
    const body = randomBytes(20_000);
    await put('inline/tampered.bin', body);
    await put('inline/kept.bin', body);
    const dataDir = engine.dataDir;
    await engine.close({ keepData: true });
    const db = new DatabaseSync(indexFile(dataDir));
    try {
      const row = db.prepare('SELECT i.blob_id, i.data FROM inline_blobs i JOIN segments s USING (blob_id) WHERE s.key = ?').get('inline/tampered.bin') as { blob_id: string; data: Uint8Array };
      const data = Buffer.from(row.data);
      data[5000] = data[5000]! ^ 0x10;
      db.prepare('UPDATE inline_blobs SET data = ? WHERE blob_id = ?').run(data, row.blob_id);
    } finally {
      db.close();
    }
    engine = await startTestEngine({ dataDir });
    const tampered = await cosRequest(engine.target, { method: 'GET', key: 'inline/tampered.bin' });
    const complete = tampered.status === 200 && !tampered.aborted && tampered.body.length === body.length;
    assert.ok(!complete, `the GET of altered bytes must fail (status ${tampered.status}, ${tampered.body.length} bytes)`);
    if (tampered.status === 200) assert.ok(body.subarray(0, tampered.body.length).equals(tampered.body), 'what arrived is original');
    const kept = await cosRequest(engine.target, { method: 'GET', key: 'inline/kept.bin' });
    assert.ok(kept.body.equals(body), 'an untouched object reads back after the restart');
    assertStoreConsistent(engine.dataDir);
  });

  it('with inlineMax 0 every object is a blob file', async () => {
    const filed = await startTestEngine({ inlineMax: 0 });
    try {
      const response = await cosRequest(filed.target, { method: 'PUT', key: 'tiny.txt', body: 'tiny', headers: SSE });
      assert.equal(response.status, 200);
      const [segment] = objectSegments(filed.dataDir, TEST_BUCKET, 'tiny.txt');
      assert.equal(existsSync(blobPath(filed.dataDir, segment!.blobId)), true);
      assert.equal(listFiles(filed.dataDir).filter((file) => file.includes('/blobs/')).length, 1);
    } finally {
      await filed.close();
    }
  });
});
