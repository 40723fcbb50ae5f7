/** Master key rotation: new writes use the new version, rewrap sweep, status counts, retire rules, offline commands, restart. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { keyStatus, retireKey, rewrapKeys, rotateKey } from '../../core/engine/keys/offlineKeys.ts';
import { TestEngine } from './engineClient.ts';

const MiB = 1024 * 1024;

describe('engine master keys', () => {
  it('rotates, rewraps, reports status and retires drained versions; objects from before and after read back', async () => {
    const t = await TestEngine.start({ backgroundRewrap: false });
    try {
      const before = randomBytes(100_000);
      await t.request({ method: 'PUT', key: 'k/before', body: before, headers: { 'x-cos-server-side-encryption': 'AES256' } });
      const init = await t.request({ method: 'POST', key: 'k/parts', query: [['uploads', '']], headers: { 'x-cos-server-side-encryption': 'AES256' } });
      const uploadId = /<UploadId>([^<]+)</.exec(init.text)![1]!;
      const part = randomBytes(MiB);
      const p1 = await t.request({ method: 'PUT', key: 'k/parts', query: [['partNumber', '1'], ['uploadId', uploadId]], body: part });
      let status = await t.engine.keys.status();
      assert.deepEqual(status.map((row) => [row.keyId, row.version, row.state, row.objects, row.parts]), [['sse-cos', 1, 'active', 1, 1]]);
      assert.ok(!Number.isNaN(Date.parse(status[0]!.createdAt)));

      assert.deepEqual(await t.engine.keys.rotate(), { keyId: 'sse-cos', version: 2 });
      const afterRotation = randomBytes(5000);
      await t.request({ method: 'PUT', key: 'k/after', body: afterRotation, headers: { 'x-cos-server-side-encryption': 'AES256' } });
      const p2 = await t.request({ method: 'PUT', key: 'k/parts', query: [['partNumber', '2'], ['uploadId', uploadId]], body: part });
      status = await t.engine.keys.status();
      assert.deepEqual(status.map((row) => [row.version, row.state, row.objects, row.parts]), [[1, 'retired', 1, 1], [2, 'active', 1, 1]]);
      await assert.rejects(t.engine.keys.retire(1), { code: 'KeyInUse' });
      await assert.rejects(t.engine.keys.retire(2), { code: 'KeyInUse' });

      const result = await t.engine.keys.rewrap({ batchSize: 1 });
      assert.deepEqual(result, { rewrapped: 2, failed: 0, remaining: 0 });
      assert.deepEqual((await t.engine.keys.rewrap()).rewrapped, 0, 'idempotent');
      status = await t.engine.keys.status();
      assert.deepEqual(status.map((row) => [row.version, row.objects, row.parts]), [[1, 0, 0], [2, 2, 2]]);
      await t.engine.keys.retire(1);
      assert.deepEqual((await t.engine.keys.status()).map((row) => row.version), [2]);

      const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(p1.headers.etag)}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${String(p2.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
      assert.equal((await t.request({ method: 'POST', key: 'k/parts', query: [['uploadId', uploadId]], body })).status, 200);
      assert.ok((await t.request({ key: 'k/before' })).body.equals(before));
      assert.ok((await t.request({ key: 'k/after' })).body.equals(afterRotation));
      assert.ok((await t.request({ key: 'k/parts' })).body.equals(Buffer.concat([part, part])));
      const keyring = await stat(path.join(t.dir, 'keys', 'keyring.json'));
      assert.equal(keyring.mode & 0o777, 0o600);
    } finally {
      await t.close();
    }
  });

  it('offline commands work on a stopped engine, refuse beside a running one, and data survives restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'engine-keys-'));
    try {
      let t = await TestEngine.start({ backgroundRewrap: false }, dir);
      const credentials = t.engine.credentials;
      assert.equal(t.engine.credentialsCreated, true);
      assert.equal((await stat(path.join(dir, 'credentials.json'))).mode & 0o777, 0o600);
      const data = randomBytes(70_000);
      await t.request({ method: 'PUT', key: 'restart/a', body: data, headers: { 'x-cos-server-side-encryption': 'AES256' } });
      await t.request({ method: 'PUT', key: 'restart/plain', body: 'plain' });
      await assert.rejects(rotateKey(dir), { code: 'EngineRunning' });
      assert.equal((await keyStatus(dir))[0]!.objects, 1, 'status works beside a running engine');
      await t.close(true);

      assert.deepEqual(await rotateKey(dir), { keyId: 'sse-cos', version: 2 });
      assert.deepEqual((await keyStatus(dir)).map((row) => [row.version, row.state, row.objects]), [[1, 'retired', 1], [2, 'active', 0]]);
      await assert.rejects(retireKey(dir, 1), { code: 'KeyInUse' });
      assert.deepEqual(await rewrapKeys(dir), { rewrapped: 1, failed: 0, remaining: 0 });
      await retireKey(dir, 1);
      assert.deepEqual((await keyStatus(dir)).map((row) => row.version), [2]);

      t = await TestEngine.start({ backgroundRewrap: false }, dir);
      assert.deepEqual(t.engine.credentials, credentials, 'generated credentials are reused');
      assert.equal(t.engine.credentialsCreated, false);
      assert.ok((await t.request({ key: 'restart/a' })).body.equals(data));
      assert.equal((await t.request({ key: 'restart/plain' })).text, 'plain');
      await t.close(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rotates by age at start and rewraps in the background', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'engine-age-'));
    try {
      let t = await TestEngine.start({}, dir);
      await t.request({ method: 'PUT', key: 'age/a', body: 'aged', headers: { 'x-cos-server-side-encryption': 'AES256' } });
      await t.close(true);
      t = await TestEngine.start({ masterKeyMaxAgeMs: 0 }, dir);
      for (let i = 0; i < 50; i++) {
        const status = await t.engine.keys.status();
        if (status.find((row) => row.version === 1)?.objects === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const status = await t.engine.keys.status();
      assert.equal(status.find((row) => row.state === 'active')!.version, 2);
      assert.equal(status.find((row) => row.version === 1)!.objects, 0);
      assert.equal((await t.request({ key: 'age/a' })).text, 'aged');
      await t.close(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
