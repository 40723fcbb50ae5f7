/** `cos-sync upload` and `cos-sync sync` meeting a bucket policy that refuses their encrypted writes: a readable per-file line with bucket, region and fix; no request without SSE. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { setBucketPolicy } from '../fakes/bucketPolicy.ts';
import { runCli } from '../engine-peers/spawnEngine.ts';
import { startCountingProxy, type CountingProxy } from '../sync-engine/countingProxy.ts';

const BUCKET = 'refuse-1250000000';
const REGION = 'ap-guangzhou';
const CREDENTIALS = { secretId: 'AKIDcliRefusalTest0000000000000000', secretKey: 'cliRefusalTestSecretKeyNotShown0' };
const MiB = 1024 * 1024;

/** Only SSE-KMS may be written: the CLI's default SSE-COS is refused with 403. */
const requireKms = JSON.stringify({
  Statement: [{ Sid: 'KmsOnly', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }],
});

describe('CLI: encryption refusals reach the user', () => {
  let base: string;
  let folder: string;
  let engine: EngineHandle;
  let proxy: CountingProxy;
  const secrets = { COS_SECRET_ID: CREDENTIALS.secretId, COS_SECRET_KEY: CREDENTIALS.secretKey };
  const connection = (): string[] => ['--bucket', BUCKET, '--region', REGION, '--endpoint', proxy.endpoint];

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'cos-sync-cli-refusal-'));
    folder = path.join(base, 'folder');
    mkdirSync(path.join(folder, 'docs'), { recursive: true });
    writeFileSync(path.join(folder, 'a.txt'), 'alpha');
    writeFileSync(path.join(folder, 'docs', 'big.bin'), Buffer.alloc(17 * MiB, 3));
    engine = await startEngine({ dataDir: path.join(base, 'engine'), port: 0, region: REGION, credentials: CREDENTIALS, buckets: [BUCKET], backgroundRewrap: false });
    const owner = new CosClient({ credentials: CREDENTIALS, region: REGION, endpoint: engine.endpoint });
    try {
      await setBucketPolicy(owner, BUCKET, requireKms);
    } finally {
      await owner.close();
    }
    proxy = await startCountingProxy(engine.endpoint);
  });
  after(async () => {
    await proxy.close();
    await engine.close();
    rmSync(base, { recursive: true, force: true });
  });
  beforeEach(() => {
    proxy.log.length = 0;
  });

  /** Every write the proxy saw asked for SSE-COS; no Upload Part went out. */
  const assertOnlyEncryptedWrites = (): void => {
    // Object writes only: sync also configures the bucket's versioning and lifecycle (PUT /?versioning, /?lifecycle).
    const writes = proxy.log.filter((entry) => (entry.method === 'PUT' || entry.method === 'POST') && !entry.query.has('versioning') && !entry.query.has('lifecycle'));
    assert.ok(writes.length > 0);
    for (const entry of writes) assert.equal(entry.encryption, 'AES256', `${entry.method} ${entry.path} carried the SSE header`);
    assert.equal(proxy.log.filter((entry) => entry.query.has('partNumber')).length, 0, 'no part was sent');
  };

  test('upload: each file fails with a sentence naming bucket, region and the fix (exit 1), and is not resent', async () => {
    const run = await runCli(['upload', path.join(folder, 'a.txt'), path.join(folder, 'docs', 'big.bin'), ...connection()], 60_000, secrets);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 2, run.stdout);
    for (const [line, key] of [[lines[0]!, 'a.txt'], [lines[1]!, 'big.bin']] as const) {
      assert.match(line, new RegExp(`^failed {4}${key.replace('.', '\\.')} {2}The bucket ${BUCKET} \\(${REGION}\\) refused the SSE-COS \\(AES256\\) write of '${key.replace('.', '\\.')}' \\(HTTP 403 AccessDenied`));
      assert.match(line, /nothing was stored\. A bucket policy on refuse-1250000000 may refuse this write/);
      assert.match(line, /never retries a write without its encryption header/);
    }
    assert.equal(proxy.log.filter((entry) => entry.method === 'PUT' || entry.method === 'POST').length, 2, 'one PUT and one Initiate, nothing retried');
    assertOnlyEncryptedWrites();
  });

  test('sync --once: the refused files are listed with the fix, the run exits 1, nothing went out without SSE', async () => {
    const run = await runCli(['sync', folder, '--once', ...connection(), '--journal', path.join(base, 'journal.sqlite')], 60_000, secrets);
    assert.equal(run.code, 1, run.stderr);
    for (const file of ['a.txt', 'docs/big.bin']) {
      assert.match(run.stdout, new RegExp(`^failed {4}${file.replace('.', '\\.')} {2}The bucket ${BUCKET} \\(${REGION}\\) refused the SSE-COS \\(AES256\\) write .* A bucket policy on ${BUCKET} may refuse this write`, 'm'));
    }
    assert.match(run.stderr, /2 file\(s\) could not be synced/);
    assertOnlyEncryptedWrites();
  });

  test('upload --sse kms, which the policy asks for, is stored', async () => {
    const run = await runCli(['upload', path.join(folder, 'a.txt'), ...connection(), '--sse', 'kms'], 60_000, secrets);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^uploaded {2}a\.txt .*SSE-KMS/m);
  });
});
