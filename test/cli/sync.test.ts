/** `cos-sync sync --once` as a child process against the bundled engine: results, a no-op second run, auth and usage errors. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { crc64File } from '../../core/protocol/crc64.ts';
import { runCli, type CliResult } from '../engine-peers/spawnEngine.ts';

const BUCKET = 'cli-1250000000';
const CREDENTIALS = { secretId: 'AKIDcliSyncTest00000000000000000000', secretKey: 'cliSyncTestSecretKeyDoNotPrint00' };

/** Runs `cos-sync ARGS` (no shell, no COS_* variables from the outer environment). */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, 30_000, env);

describe('cos-sync sync --once', () => {
  let base: string;
  let folder: string;
  let engine: EngineHandle;
  let client: CosClient;
  const connection = (): string[] => ['--once', '--bucket', BUCKET, '--region', 'ap-guangzhou', '--endpoint', engine.endpoint, '--prefix', 'cli', '--journal', path.join(base, 'journal.sqlite')];
  const secrets = { COS_SECRET_ID: CREDENTIALS.secretId, COS_SECRET_KEY: CREDENTIALS.secretKey };

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'cos-sync-cli-sync-'));
    folder = path.join(base, 'folder');
    mkdirSync(path.join(folder, 'docs'), { recursive: true });
    writeFileSync(path.join(folder, 'a.txt'), 'alpha');
    writeFileSync(path.join(folder, 'docs', 'b.md'), '# bravo');
    writeFileSync(path.join(folder, 'docs', 'c.bin'), Buffer.alloc(100_000, 7));
    engine = await startEngine({ dataDir: path.join(base, 'engine'), port: 0, credentials: CREDENTIALS, buckets: [BUCKET], backgroundRewrap: false });
    client = new CosClient({ credentials: CREDENTIALS, region: 'ap-guangzhou', endpoint: engine.endpoint });
  });
  after(async () => {
    await client.close();
    await engine.close();
    rmSync(base, { recursive: true, force: true });
  });

  test('uploads every file with confirmed SSE, prints one line per file and exits 0', async () => {
    const run = await cli(['sync', folder, ...connection()], secrets);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 3, run.stdout);
    for (const [line, file] of [[lines[0], 'a.txt'], [lines[1], 'docs/b.md'], [lines[2], 'docs/c.bin']] as const) {
      assert.match(line!, new RegExp(`^uploaded\\s+${file.replace('.', '\\.')}\\s+SSE-COS \\(AES256\\) confirmed\\s+crc64 ok$`));
    }
    assert.match(run.stderr, /Everything is in sync\./);
    for (const file of ['a.txt', 'docs/b.md', 'docs/c.bin']) {
      const head = await client.headObject(BUCKET, `cli/${file}`);
      assert.equal(head.encryption.algorithm, 'AES256');
      assert.equal(head.crc64, String(await crc64File(path.join(folder, file))));
    }
  });

  test('a second run uploads nothing (and a fractional --bandwidth-limit is accepted)', async () => {
    const run = await cli(['sync', folder, ...connection(), '--bandwidth-limit', '1.5M'], secrets);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /uploaded/);
    assert.equal(run.stdout.trim(), '');
    assert.match(run.stderr, /Everything is in sync\./);
  });

  test('a new journal over an already synced prefix reports "identical" instead of uploading', async () => {
    const run = await cli(['sync', folder, ...connection().slice(0, -1), path.join(base, 'fresh-journal.sqlite')], secrets);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /uploaded/);
    assert.equal(run.stdout.trim().split('\n').filter((line) => line.startsWith('identical')).length, 3, run.stdout);
  });

  test('a wrong secret key exits 1 with a readable sentence and never prints the secret', async () => {
    const wrong = 'wrongSecretKeyThatMustNotBePrinted';
    const run = await cli(['sync', folder, ...connection().slice(0, -1), path.join(base, 'auth-journal.sqlite'), '--secret-id', CREDENTIALS.secretId, '--secret-key', wrong]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /The signature was rejected: check the SecretKey/);
    for (const secret of [wrong, CREDENTIALS.secretKey]) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), 'no secret in the output');
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /q-signature|authorization/i);
  });

  test('an endpoint that does not answer exits 1 with a sentence', async () => {
    const run = await cli(['sync', folder, '--once', '--bucket', BUCKET, '--region', 'ap-guangzhou', '--endpoint', 'http://127.0.0.1:9', '--journal', path.join(base, 'offline-journal.sqlite')], secrets);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /did not answer/);
  });

  test('usage errors exit 2 with the problem and a pointer to --help', async () => {
    const cases: [string[], RegExp][] = [
      [['sync', ...connection()], /Name exactly one folder/],
      [['sync', folder, folder, ...connection()], /Name exactly one folder/],
      [['sync', path.join(base, 'missing'), ...connection()], /is not a folder/],
      [['sync', folder, '--once', '--region', 'ap-guangzhou', '--journal', path.join(base, 'x.sqlite')], /Missing --bucket/],
      [['sync', folder, ...connection(), '--delete', 'everything'], /--delete must be keep, mirror or backup/],
      [['sync', folder, ...connection(), '--sse', 'rot13'], /--sse must be/],
      [['sync', folder, ...connection(), '--bandwidth-limit', 'fast'], /--bandwidth-limit/],
      [['sync', folder, ...connection(), '--no-such-option'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, secrets);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /cos-sync sync --help/);
    }
    const help = await cli(['sync', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: cos-sync sync DIR/);
  });
});
