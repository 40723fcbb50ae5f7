/** `cos-sync encrypt` on a seeded mixed bucket: every object encrypted with metadata and bytes kept, kill -9 + rerun, races, refusals. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { EncryptJournal } from '../../core/backup/encryptJournal.ts';
import { encryptInPlace } from '../../core/backup/encryptInPlace.ts';
import type { BackupClient } from '../../core/backup/storedEncryption.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import type { ObjectInfo } from '../../core/cos/objectInfo.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { startFaultProxy, type FaultProxy } from '../fakes/faultProxy.ts';
import { CLI_BIN, runCli } from '../engine-peers/spawnEngine.ts';
import { CUSTOMER_KEY, MIXED_BUCKET, MIXED_CREDENTIALS, MIXED_REGION, MULTIPART_KEY, SINGLE_COPY_LIMIT, listingSnapshot, seedMixedBucket, startMixedEngine, type MixedEngine, type MixedSeed } from './mixedBucket.ts';

const secrets = { COS_SECRET_ID: MIXED_CREDENTIALS.secretId, COS_SECRET_KEY: MIXED_CREDENTIALS.secretKey };

/** What must survive an in-place encryption unchanged. */
function kept(info: ObjectInfo): object {
  return { size: info.size, crc64: info.crc64, contentType: info.contentType, metadata: info.metadata, contentHeaders: info.contentHeaders, storageClass: info.storageClass };
}

/** HEAD of every object (SSE-C objects with their key). */
async function headAll(client: CosClient): Promise<Map<string, ObjectInfo>> {
  const heads = new Map<string, ObjectInfo>();
  for await (const entry of client.listAllObjects(MIXED_BUCKET)) {
    heads.set(entry.key, await client.headObject(MIXED_BUCKET, entry.key, entry.key.startsWith('ssec/') ? { customerKey: CUSTOMER_KEY } : {}));
  }
  return heads;
}

/** Keys of the PUT requests in a fault-proxy log (every PUT of an encrypt run is a copy or a part copy). */
function putKeys(log: { method: string; url: string }[]): string[] {
  return log.filter((entry) => entry.method === 'PUT').map((entry) => decodeURIComponent(entry.url.split('?')[0]!.replace(/^\/(mixed-1250000000\/)?/, '')));
}

async function doneLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes('"t":"done"')).map((line) => (JSON.parse(line) as { key: string }).key);
}

describe('encrypt a mixed bucket in place', () => {
  let mixed: MixedEngine;
  let seed: MixedSeed;
  let proxy: FaultProxy;
  let before0: Map<string, ObjectInfo>;
  const journalFile = (): string => path.join(mixed.base, 'encrypt.jsonl');
  const connection = (): string[] => ['--bucket', MIXED_BUCKET, '--region', MIXED_REGION, '--endpoint', proxy.endpoint, '--journal', journalFile(), '--single-copy-limit', String(SINGLE_COPY_LIMIT), '--part-size', '1M'];

  before(async () => {
    mixed = await startMixedEngine();
    seed = await seedMixedBucket(mixed.client);
    proxy = await startFaultProxy(mixed.engine.endpoint);
    before0 = await headAll(mixed.client);
  });
  after(async () => {
    await proxy.close();
    await mixed.close();
  });

  test('--dry-run lists exactly the plaintext objects and writes nothing', async () => {
    const snapshot = await listingSnapshot(mixed.client);
    const run = await runCli(['encrypt', ...connection(), '--dry-run'], 120_000, secrets);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^${seed.plaintextKeys.length} of ${snapshot.length} objects are not encrypted and would be encrypted`));
    const listed = [...run.stdout.matchAll(/^ {2}would encrypt {2}(\S+)/gm)].map((match) => match[1]).sort();
    assert.deepEqual(listed, seed.plaintextKeys);
    assert.deepEqual(await listingSnapshot(mixed.client), snapshot);
    assert.equal(putKeys(proxy.log).length, 0);
  });

  test('kill -9 mid-encrypt, rerun: every object encrypted, metadata and bytes unchanged, nothing finished is copied again', async () => {
    proxy.log.length = 0;
    const child = spawn(process.execPath, [CLI_BIN, 'encrypt', ...connection(), '--concurrency', '4'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...secrets } });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let done: string[] = [];
    for (let attempt = 0; attempt < 3000 && done.length < 60; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = await doneLines(journalFile());
    }
    child.kill('SIGKILL');
    await exited;
    done = await doneLines(journalFile());
    assert.ok(done.length >= 60 && done.length < seed.plaintextKeys.length, `killed after ${done.length} objects`);
    const firstRun = proxy.log.length;

    const rerun = await runCli(['encrypt', ...connection()], 300_000, secrets);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    const summary = /Encrypted (\d+) objects now .*; (\d+) objects checked, (\d+) finished by an earlier run, 0 skipped, 0 failed\./.exec(rerun.stdout);
    assert.ok(summary, rerun.stdout);
    assert.ok(Number(summary[3]) >= done.length);
    assert.equal(Number(summary[1]) + Number(summary[3]), seed.plaintextKeys.length);
    const rerunPuts = new Set(putKeys(proxy.log.slice(firstRun)));
    for (const key of done) assert.equal(rerunPuts.has(key), false, `${key} was finished before the kill and copied again`);
    assert.ok(putKeys(proxy.log).filter((key) => key === MULTIPART_KEY).length >= 4, 'the multipart object went through Upload Part - Copy');

    const after1 = await headAll(mixed.client);
    assert.equal(after1.size, before0.size);
    for (const [key, info] of before0) {
      const now = after1.get(key)!;
      assert.deepEqual(kept(now), kept(info), key);
      if (info.encryption.algorithm === 'none') assert.equal(now.encryption.algorithm, 'AES256', key);
      else assert.deepEqual(now.encryption, info.encryption, key);
    }
    const audit = await runCli(['audit', '--bucket', MIXED_BUCKET, '--region', MIXED_REGION, '--endpoint', mixed.engine.endpoint], 120_000, secrets);
    assert.equal(audit.code, 0, audit.stdout);
    assert.match(audit.stdout, /not encrypted\s+0 objects/);
  });

  test('the official SDK sees the encrypted objects with their metadata and bytes', async () => {
    const cos = new COS({ SecretId: MIXED_CREDENTIALS.secretId, SecretKey: MIXED_CREDENTIALS.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${mixed.engine.port}` });
    for (const key of [seed.plaintextKeys[0]!, 'plain/0/file-0.txt', MULTIPART_KEY]) {
      const head = await cos.headObject({ Bucket: MIXED_BUCKET, Region: MIXED_REGION, Key: key });
      assert.equal(head.headers?.['x-cos-server-side-encryption'], 'AES256', key);
      assert.equal(head.headers?.['x-cos-meta-owner'], before0.get(key)!.metadata.owner);
      assert.equal(head.headers?.['content-type'], before0.get(key)!.contentType);
      const got = await cos.getObject({ Bucket: MIXED_BUCKET, Region: MIXED_REGION, Key: key });
      assert.equal(crc64(Buffer.from(got.Body as Buffer)).toString(), before0.get(key)!.crc64, key);
    }
    const head = await cos.headObject({ Bucket: MIXED_BUCKET, Region: MIXED_REGION, Key: 'plain/0/file-0.txt' });
    assert.equal(head.headers?.['cache-control'], 'max-age=3600');
    assert.equal(head.headers?.['content-disposition'], 'attachment; filename="file-0.txt"');
  });
});

describe('encrypt races and refusals', () => {
  let mixed: MixedEngine;
  let proxy: FaultProxy;
  before(async () => {
    mixed = await startMixedEngine();
    proxy = await startFaultProxy(mixed.engine.endpoint);
  });
  after(async () => {
    await proxy.close();
    await mixed.close();
  });

  test('an object overwritten between HEAD and copy is skipped, not clobbered (single copy and part copy)', async () => {
    const big = Buffer.alloc(SINGLE_COPY_LIMIT + 1024 * 1024, 5);
    await mixed.client.putObject(MIXED_BUCKET, 'race/small.txt', Buffer.from('first'), { sse: { mode: 'none' } });
    await mixed.client.putObject(MIXED_BUCKET, 'race/big.bin', big, { sse: { mode: 'none' } });
    await mixed.client.putObject(MIXED_BUCKET, 'race/calm.txt', Buffer.from('calm'), { sse: { mode: 'none' } });
    const racing: BackupClient = Object.assign(Object.create(mixed.client) as BackupClient, {
      async headObject(bucket: string, key: string, options?: object) {
        const info = await mixed.client.headObject(bucket, key, options);
        if (key === 'race/small.txt' && info.encryption.algorithm === 'none') await mixed.client.putObject(MIXED_BUCKET, key, Buffer.from('second writer'), { sse: { mode: 'none' } });
        return info;
      },
      async uploadPartCopy(...args: Parameters<CosClient['uploadPartCopy']>) {
        const part = await mixed.client.uploadPartCopy(...args);
        if (args[3] === 1) await mixed.client.putObject(MIXED_BUCKET, 'race/big.bin', Buffer.from('overwritten'), { sse: { mode: 'none' } });
        return part;
      },
    });
    const journal = await EncryptJournal.open(path.join(mixed.base, 'race.jsonl'), MIXED_BUCKET, 'race/');
    assert.equal((await stat(journal.path)).mode & 0o777, 0o600, 'the journal names object keys: owner-only');
    try {
      const report = await encryptInPlace(racing, { bucket: MIXED_BUCKET, sse: { mode: 'AES256' }, singleCopyLimit: SINGLE_COPY_LIMIT, partSize: 1024 * 1024, partConcurrency: 1, journal }, { prefix: 'race/' });
      assert.equal(report.encrypted, 1);
      assert.deepEqual(report.skipped.map((object) => object.key).sort(), ['race/big.bin', 'race/small.txt']);
      assert.match(report.skipped[0]!.message!, /changed after it was checked/);
    } finally {
      await journal.close();
    }
    const small = await mixed.client.getObject(MIXED_BUCKET, 'race/small.txt');
    assert.equal(Buffer.concat(await small.body.toArray()).toString(), 'second writer');
    const bigNow = await mixed.client.getObject(MIXED_BUCKET, 'race/big.bin');
    assert.equal(Buffer.concat(await bigNow.body.toArray()).toString(), 'overwritten');
    assert.equal((await mixed.client.listMultipartUploads(MIXED_BUCKET)).uploads.length, 0, 'the abandoned part copy was aborted');
    assert.equal((await mixed.client.headObject(MIXED_BUCKET, 'race/calm.txt')).encryption.algorithm, 'AES256');
  });

  test('a copy whose SSE is not confirmed fails that object and is never retried without the header', async () => {
    await mixed.client.putObject(MIXED_BUCKET, 'refuse/a.txt', Buffer.from('a'), { sse: { mode: 'none' } });
    await mixed.client.putObject(MIXED_BUCKET, 'refuse/b.txt', Buffer.from('b'), { sse: { mode: 'none' } });
    proxy.rules.push({ fault: { kind: 'stripSse' }, match: (request, url) => request.method === 'PUT' && url.pathname.endsWith('/refuse/a.txt') });
    proxy.log.length = 0;
    const run = await runCli(['encrypt', '--bucket', MIXED_BUCKET, '--region', MIXED_REGION, '--endpoint', proxy.endpoint, '--prefix', 'refuse/', '--journal', path.join(mixed.base, 'refuse.jsonl')], 60_000, secrets);
    proxy.rules.length = 0;
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /failed {2}refuse\/a\.txt {2}.*(encryption|SSE)/i);
    assert.match(run.stdout, /Encrypted 1 objects now/);
    assert.equal(putKeys(proxy.log).filter((key) => key === 'refuse/a.txt').length, 1, 'one copy attempt, no retry without the header');

    // The stripped echo hid a copy the engine did store encrypted; a fresh plaintext object meets the refusal below.
    await mixed.client.putObject(MIXED_BUCKET, 'refuse/c.txt', Buffer.from('c'), { sse: { mode: 'none' } });
    proxy.rules.push({ fault: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Denied by bucket policy: writes must request encryption.' }, match: (request) => request.method === 'PUT' });
    const denied = await runCli(['encrypt', '--bucket', MIXED_BUCKET, '--region', MIXED_REGION, '--endpoint', proxy.endpoint, '--prefix', 'refuse/', '--journal', path.join(mixed.base, 'refuse.jsonl')], 60_000, secrets);
    proxy.rules.length = 0;
    assert.equal(denied.code, 1);
    // A refusal stops that object (not the run) with a sentence naming bucket, region and the fix.
    assert.match(denied.stdout, new RegExp(`failed {2}refuse/c\\.txt {2}The bucket ${MIXED_BUCKET} \\(${MIXED_REGION}\\) refused the SSE-COS \\(AES256\\) write of 'refuse/c\\.txt' \\(HTTP 403 AccessDenied.*A bucket policy on ${MIXED_BUCKET} may refuse this write`));
    assert.ok(proxy.log.filter((entry) => entry.method === 'PUT').every((entry) => entry.encryption === 'AES256'), 'every copy carried the SSE header');
    assert.equal((await mixed.client.headObject(MIXED_BUCKET, 'refuse/c.txt')).encryption.algorithm, 'none', 'a refused object stays as it was, it is not rewritten without the header');
  });
});
