/** `cos-sync audit` and auditBucket against the bundled engine seeded with a mixed bucket: exact counts, read-only, exit codes. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditBucket } from '../../core/backup/auditBucket.ts';
import type { BackupClient } from '../../core/backup/storedEncryption.ts';
import { CosSyncError } from '../../core/common/errors.ts';
import { runCli } from '../engine-peers/spawnEngine.ts';
import { KMS_KEY, MIXED_BUCKET, MIXED_CREDENTIALS, listingSnapshot, seedMixedBucket, startMixedEngine, type MixedEngine, type MixedSeed } from './mixedBucket.ts';

describe('audit of a mixed bucket', () => {
  let mixed: MixedEngine;
  let seed: MixedSeed;
  const connection = (): string[] => ['--bucket', MIXED_BUCKET, '--region', 'ap-guangzhou', '--endpoint', mixed.engine.endpoint];
  const secrets = { COS_SECRET_ID: MIXED_CREDENTIALS.secretId, COS_SECRET_KEY: MIXED_CREDENTIALS.secretKey };

  before(async () => {
    mixed = await startMixedEngine();
    seed = await seedMixedBucket(mixed.client);
  });
  after(() => mixed.close());

  test('counts every object exactly per encryption (SSE-C HEAD without key = 400 counted as SSE-C), 1,000+ objects', async () => {
    const total = Object.values(seed.counts).reduce((sum, count) => sum + count, 0);
    assert.ok(total > 1000, `seeded ${total}`);
    let progressCalls = 0;
    const report = await auditBucket(mixed.client, MIXED_BUCKET, { concurrency: 8, onProgress: () => progressCalls++ });
    assert.equal(report.objects, total);
    assert.deepEqual(report.errors, []);
    for (const kind of ['SSE-COS', 'SSE-KMS', 'SSE-C', 'none'] as const) {
      assert.equal(report.byKind[kind].objects, seed.counts[kind], kind);
      assert.equal(report.byKind[kind].bytes, seed.bytes[kind], `${kind} bytes`);
    }
    assert.deepEqual(Object.fromEntries(Object.entries(report.kmsKeys).map(([key, tally]) => [key, tally.objects])), seed.kmsKeys);
    assert.equal(report.kmsKeys[KMS_KEY]?.objects, 150);
    assert.deepEqual(report.plaintext.map((object) => object.key).sort(), seed.plaintextKeys);
    assert.ok(progressCalls >= total);
  });

  test('the CLI prints the summary, lists the first 20 plaintext keys, exits 3, and writes nothing', async () => {
    const snapshot = await listingSnapshot(mixed.client);
    const run = await runCli(['audit', ...connection(), '--concurrency', '8'], 120_000, secrets);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, new RegExp(`Audited ${snapshot.length} objects`));
    assert.match(run.stdout, new RegExp(`SSE-COS \\(AES256\\)\\s+${seed.counts['SSE-COS']} objects`));
    assert.match(run.stdout, new RegExp(`SSE-KMS\\s+${seed.counts['SSE-KMS']} objects`));
    assert.match(run.stdout, new RegExp(`key ${KMS_KEY}: 150 objects`));
    assert.match(run.stdout, new RegExp(`SSE-C \\(customer key\\)\\s+${seed.counts['SSE-C']} objects`));
    assert.match(run.stdout, new RegExp(`not encrypted\\s+${seed.counts.none} objects`));
    assert.match(run.stdout, new RegExp(`Plaintext objects \\(${seed.plaintextKeys.length}, first 20; --json lists all\\)`));
    assert.equal(run.stdout.split('\n').filter((line) => /^ {2}plain\//.test(line)).length, 20);
    assert.deepEqual(await listingSnapshot(mixed.client), snapshot, 'an audit never writes');
  });

  test('--json prints every object, one JSON object per line, then the summary; --prefix narrows it; exit 0 when all encrypted', async () => {
    const run = await runCli(['audit', ...connection(), '--json'], 120_000, secrets);
    assert.equal(run.code, 3, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const objects = lines.filter((line) => 'key' in line);
    const plaintext = objects.filter((line) => line.encryption === 'none').map((line) => line.key as string).sort();
    assert.deepEqual(plaintext, seed.plaintextKeys);
    assert.equal(objects.filter((line) => line.encryption === 'SSE-C').length, seed.counts['SSE-C']);
    const summary = lines.at(-1)!.summary as { objects: number; plaintext: number };
    assert.equal(summary.objects, objects.length);
    assert.equal(summary.plaintext, seed.plaintextKeys.length);

    const encrypted = await runCli(['audit', ...connection(), '--prefix', 'cos/'], 60_000, secrets);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(encrypted.stdout, /Audited 300 objects/);
    assert.match(encrypted.stdout, /Every object is encrypted\./);
  });

  test('a HEAD that fails is reported and exits 1; credentials that are refused stop the audit with a fix hint', async () => {
    const failing: BackupClient = Object.assign(Object.create(mixed.client) as BackupClient, {
      headObject: (bucket: string, key: string, options?: object) => {
        if (key === 'cos/file-7.dat') return Promise.reject(new CosSyncError('InternalError', 'The server failed.', { retry: 'retry' }));
        return mixed.client.headObject(bucket, key, options);
      },
    });
    const report = await auditBucket(failing, MIXED_BUCKET, { prefix: 'cos/' });
    assert.deepEqual(report.errors, [{ key: 'cos/file-7.dat', message: 'The server failed.' }]);
    assert.equal(report.objects, 299);

    const refused = await runCli(['audit', ...connection()], 60_000, { COS_SECRET_ID: MIXED_CREDENTIALS.secretId, COS_SECRET_KEY: 'wrongSecretKey000000000000000000' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The audit stopped: The signature was rejected: check the SecretKey/);
    assert.doesNotMatch(refused.stderr + refused.stdout, /wrongSecretKey/);
  });
});
