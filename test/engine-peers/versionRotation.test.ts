/** Versions under key rotation: noncurrent versions written before `keys rotate` are rewrapped too (the old key retires), and read back byte for byte after a restart. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { cosRequest, header } from './cosRequest.ts';
import { queryIndex } from './engineStorage.ts';
import { multipartUpload } from './multipartUpload.ts';
import { runCli } from './spawnEngine.ts';
import { makeTempDir, startTestEngine, type TestEngine } from './startTestEngine.ts';

const MiB = 1024 * 1024;

describe('versions under master key rotation', () => {
  let engine: TestEngine | undefined;
  let dataDir: string | undefined;
  after(async () => {
    await engine?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('versions written before keys rotate + rewrap and a restart read back byte for byte; retire succeeds because noncurrent versions were rewrapped', async () => {
    dataDir = await makeTempDir('version-rotation');
    engine = await startTestEngine({ dataDir, backgroundRewrap: false });
    const versions = new Map<string, { key: string; content: Buffer }>();
    const put = async (key: string, content: Buffer, headers: Record<string, string>): Promise<void> => {
      const answer = await cosRequest(engine!.target, { method: 'PUT', key, body: content, headers });
      assert.equal(answer.status, 200, answer.body.toString());
      versions.set(header(answer, 'x-cos-version-id') ?? 'null', { key, content });
    };
    await put('kept/null.bin', randomBytes(10_000), { 'x-cos-server-side-encryption': 'AES256' });
    const enabled = await cosRequest(engine.target, { method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    assert.equal(enabled.status, 200);
    for (let round = 0; round < 3; round++) {
      await put('kept/null.bin', randomBytes(70_000 + round), { 'x-cos-server-side-encryption': 'AES256' });
      await put('kept/kms.bin', randomBytes(5000 + round), { 'x-cos-server-side-encryption': 'cos/kms' });
    }
    const parts = [randomBytes(MiB), randomBytes(1000)];
    const done = await multipartUpload(engine.target, 'kept/multipart.bin', parts, { 'x-cos-server-side-encryption': 'AES256' });
    versions.set(header(done, 'x-cos-version-id')!, { key: 'kept/multipart.bin', content: Buffer.concat(parts) });
    await put('kept/multipart.bin', randomBytes(100), { 'x-cos-server-side-encryption': 'AES256' });
    const marker = await cosRequest(engine.target, { method: 'DELETE', key: 'kept/kms.bin' });
    assert.equal(header(marker, 'x-cos-delete-marker'), 'true');
    const noncurrent = Number(queryIndex(dataDir, 'SELECT COUNT(*) AS n FROM objects WHERE noncurrent_since IS NOT NULL AND delete_marker = 0')[0]!.n);
    assert.equal(noncurrent, 7, 'most versions are noncurrent');
    await engine.close({ keepData: true });
    engine = undefined;

    const sealedBefore = queryIndex(dataDir, "SELECT seal_key_id, seal_version, COUNT(*) AS n FROM segments WHERE seal_key_id IS NOT NULL GROUP BY seal_key_id, seal_version ORDER BY seal_key_id");
    assert.deepEqual(sealedBefore.map((row) => [row.seal_key_id, row.seal_version]), [['cos-default-kms-key', 1], ['sse-cos', 1]]);
    for (const command of [['keys', 'rotate'], ['keys', 'rotate', '--key-id', 'cos-default-kms-key']]) {
      const rotated = await runCli([...command, '--data', dataDir]);
      assert.equal(rotated.code, 0, `${command.join(' ')}: ${rotated.stderr}`);
    }
    const rewrap = await runCli(['keys', 'rewrap', '--data', dataDir]);
    assert.equal(rewrap.code, 0, rewrap.stderr);
    const segments = Number(queryIndex(dataDir, 'SELECT COUNT(*) AS n FROM segments WHERE seal_key_id IS NOT NULL')[0]!.n);
    assert.match(rewrap.stdout, new RegExp(`Re-sealed ${segments} data key\\(s\\); 0 failed; 0 still sealed`), 'every version, current or not, was rewrapped');
    assert.equal(Number(queryIndex(dataDir, 'SELECT COUNT(*) AS n FROM segments WHERE seal_version = 1')[0]!.n), 0);
    const retired = await runCli(['keys', 'retire', '1', '--data', dataDir]);
    assert.equal(retired.code, 0, `retire 1 after the sweep: ${retired.stderr}`);

    engine = await startTestEngine({ dataDir, backgroundRewrap: false });
    assert.equal(versions.size, 9);
    for (const [versionId, { key, content }] of versions) {
      const got = await cosRequest(engine.target, { method: 'GET', key, query: [['versionId', versionId]] });
      assert.equal(got.status, 200, `GET ${key}?versionId=${versionId}: ${got.body.toString().slice(0, 200)}`);
      assert.ok(got.body.equals(content), `${key} version ${versionId} reads back byte for byte after rotate, rewrap, retire and restart`);
    }
    assert.equal((await cosRequest(engine.target, { method: 'GET', key: 'kept/kms.bin' })).status, 404, 'the delete marker is still current');
  });
});
