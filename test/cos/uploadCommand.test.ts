/** `cos-sync upload` end to end: spawned CLI against the bundled engine (or the fake COS until it exists): exit codes, result lines, no secrets. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUCKET, REGION, clientFor, startEngineTarget, startFakeTarget, tempFolder, type CosTarget } from './cosTestKit.ts';

const bin = path.resolve(import.meta.dirname, '../../core/cli/bin.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined>): Promise<Outcome> {
  return new Promise((resolve) => {
    const cleanEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, COS_SECRET_ID: undefined, COS_SECRET_KEY: undefined, ...env })) if (value !== undefined) cleanEnv[name] = value;
    execFile(process.execPath, [bin, 'upload', ...args], { env: cleanEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cos-sync upload', () => {
  let target: CosTarget;
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let env: Record<string, string>;
  let common: string[];

  before(async () => {
    target = (await startEngineTarget()) ?? (await startFakeTarget());
    folder = await tempFolder();
    await mkdir(path.join(folder.dir, 'photos', 'trip'), { recursive: true });
    await writeFile(path.join(folder.dir, 'photos', 'a.jpg'), Buffer.alloc(1234, 1));
    await writeFile(path.join(folder.dir, 'photos', 'trip', 'b c.txt'), 'hello');
    env = { COS_SECRET_ID: target.credentials.secretId, COS_SECRET_KEY: target.credentials.secretKey };
    common = ['--bucket', BUCKET, '--region', REGION, '--endpoint', target.endpoint];
  });
  after(async () => {
    await target.close();
    await folder.remove();
  });

  it('uploads a folder recursively and prints one verified result line per file (exit 0)', async () => {
    const outcome = await cli([path.join(folder.dir, 'photos'), ...common, '--prefix', 'backup/'], env);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const lines = outcome.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^uploaded {2}backup\/a\.jpg {2}1\.2 KiB {2}SSE-COS \(AES256\) confirmed {2}crc64 ok$/);
    assert.match(lines[1]!, /^uploaded {2}backup\/trip\/b c\.txt {2}5 B {2}SSE-COS \(AES256\) confirmed {2}crc64 ok$/);
  });

  it('stores each file modification time as x-cos-meta-mtime (seconds with six fraction digits)', async () => {
    const file = path.join(folder.dir, 'dated.txt');
    await writeFile(file, 'dated');
    await utimes(file, 1_600_000_000.25, 1_600_000_000.654321);
    const outcome = await cli([file, ...common, '--prefix', 'dated/'], env);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const client = clientFor(target.endpoint, target.credentials);
    try {
      assert.equal((await client.headObject(BUCKET, 'dated/dated.txt')).metadata.mtime, '1600000000.654321');
    } finally {
      await client.close();
    }
  });

  it('exits 1 when a file fails and still uploads the others', async () => {
    const outcome = await cli([path.join(folder.dir, 'photos', 'a.jpg'), path.join(folder.dir, 'missing.bin'), ...common, '--path-style'], env);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stdout, /^uploaded {2}a\.jpg/m);
    assert.match(outcome.stdout, /^failed {4}missing\.bin {2}Cannot read .*no such file or folder\./m);
  });

  it('explains a wrong SecretKey without printing any secret or signature (exit 1)', async () => {
    const wrong = 'Wr0ngSecretKeyThatMustNotBePrinted';
    const outcome = await cli([path.join(folder.dir, 'photos'), ...common], { ...env, COS_SECRET_KEY: wrong });
    assert.equal(outcome.code, 1);
    assert.match(outcome.stdout, /The signature was rejected: check the SecretKey \(COS_SECRET_KEY/);
    const all = outcome.stdout + outcome.stderr;
    for (const secret of [wrong, target.credentials.secretKey, 'q-signature', 'authorization']) assert.ok(!all.toLowerCase().includes(secret.toLowerCase()), `output contains ${secret}`);
  });

  it('exits 2 with clear messages on usage errors', async () => {
    const file = path.join(folder.dir, 'photos', 'a.jpg');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[file, '--region', REGION], env, /Missing --bucket/],
      [[file, '--bucket', BUCKET], env, /Missing --region/],
      [[file, '--bucket', 'Bad_Bucket', '--region', REGION], env, /bucket name 'Bad_Bucket' is not valid/],
      [[file, ...common], {}, /Missing credentials: set COS_SECRET_ID and COS_SECRET_KEY/],
      [[file, ...common, '--sse', 'rot13'], env, /--sse must be AES256, kms or none/],
      [[file, ...common, '--part-size', 'lots'], env, /--part-size must be a positive whole number/],
      [[...common], env, /at least one FILE or DIR/],
      [[file, ...common, '--bogus'], env, /Unknown option '--bogus'/],
    ];
    for (const [args, environment, message] of cases) {
      const outcome = await cli(args, environment);
      assert.equal(outcome.code, 2, `${args.join(' ')}: ${outcome.stderr}`);
      assert.match(outcome.stderr, message);
      assert.equal(outcome.stdout, '');
    }
  });

  it('prints --help (exit 0)', async () => {
    const outcome = await cli(['--help'], {});
    assert.equal(outcome.code, 0);
    assert.match(outcome.stdout, /Usage: cos-sync upload FILE\|DIR\.\.\. --bucket NAME-APPID --region REGION/);
  });
});
