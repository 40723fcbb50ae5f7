/** `cos-sync sync` makes the bundled engine's bucket keep old versions by default (--keep-versions DAYS|forever|off), so an overwrite from the folder can be undone. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RETENTION_RULE_ID } from '../../core/app/versionRetention.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { runCli, type CliResult } from '../engine-peers/spawnEngine.ts';

const CREDENTIALS = { secretId: 'AKIDcliVersionsTest0000000000000000', secretKey: 'cliVersionsTestSecretKey00000000' };
const BUCKETS = ['default-1250000000', 'five-1250000000', 'off-1250000000'];

describe('cos-sync sync and old versions', () => {
  let base: string;
  let folder: string;
  let engine: EngineHandle;
  let client: CosClient;
  const secrets = { COS_SECRET_ID: CREDENTIALS.secretId, COS_SECRET_KEY: CREDENTIALS.secretKey };
  const sync = (bucket: string, ...extra: string[]): Promise<CliResult> => runCli([
    'sync', folder, '--once', '--bucket', bucket, '--region', 'ap-guangzhou', '--endpoint', engine.endpoint, '--journal', path.join(base, `${bucket}.sqlite`), ...extra,
  ], 60_000, secrets);
  const retention = async (bucket: string): Promise<number | undefined> =>
    (await client.getBucketLifecycle(bucket)).find((rule) => rule.id === RETENTION_RULE_ID)?.noncurrentVersionExpiration?.noncurrentDays;

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'cos-sync-cli-versions-'));
    folder = path.join(base, 'folder');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'draft.txt'), 'first draft');
    engine = await startEngine({ dataDir: path.join(base, 'engine'), port: 0, credentials: CREDENTIALS, buckets: BUCKETS, backgroundRewrap: false });
    client = new CosClient({ credentials: CREDENTIALS, region: 'ap-guangzhou', endpoint: engine.endpoint });
  });
  after(async () => {
    await client.close();
    await engine.close();
    rmSync(base, { recursive: true, force: true });
  });

  test('by default (the bundled engine) versioning goes on with a 30-day rule, and an overwrite keeps the old version', async () => {
    const first = await sync('default-1250000000');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Versioning is on: old versions are kept for 30 days\./);
    assert.equal(await client.getBucketVersioning('default-1250000000'), 'Enabled');
    assert.equal(await retention('default-1250000000'), 30);
    writeFileSync(path.join(folder, 'draft.txt'), 'second draft, overwriting the first');
    const second = await sync('default-1250000000');
    assert.equal(second.code, 0, second.stderr);
    const versions = await client.listKeyVersions('default-1250000000', 'draft.txt');
    assert.deepEqual(versions.map((version) => [version.size, version.isLatest]), [[35, true], [11, false]], 'the first draft is still there as an old version');
    const old = await client.getObject('default-1250000000', 'draft.txt', { versionId: versions[1]!.versionId });
    assert.equal(Buffer.concat(await old.body.toArray()).toString(), 'first draft');
  });

  test('--keep-versions 5 sets five days; --keep-versions off leaves the bucket alone; bad values are usage errors', async () => {
    assert.equal((await sync('five-1250000000', '--keep-versions', '5')).code, 0);
    assert.equal(await retention('five-1250000000'), 5);
    const off = await sync('off-1250000000', '--keep-versions', 'off');
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(off.stderr, /Versioning/);
    assert.equal(await client.getBucketVersioning('off-1250000000'), undefined);
    assert.deepEqual(await client.getBucketLifecycle('off-1250000000'), []);
    const bad = await sync('five-1250000000', '--keep-versions', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--keep-versions must be a number of days/);
  });
});
