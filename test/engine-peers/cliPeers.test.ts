/** Third-party S3 command-line clients against the engine: rclone (folder in/out, multipart, ls), s3cmd and the AWS CLI (cp, put-object, head-object, ls, multipart), SSE checked by our own HEAD. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cosRequest, header } from './cosRequest.ts';
import { assertOk, AWS, awsSetup, findBinary, rcloneSetup, runTool } from './peerTools.ts';
import { makeTempDir, startTestEngine, TEST_BUCKET, TEST_REGION, type TestEngine } from './startTestEngine.ts';

const MiB = 1024 * 1024;

/** Relative path → content of a small folder plus one ~20 MiB file (multipart for both tools with lowered thresholds). */
function makeFolder(): Map<string, Buffer> {
  return new Map<string, Buffer>([
    ['a.txt', Buffer.from('hello from rclone\n')],
    ['empty.bin', Buffer.alloc(0)],
    ['nested/b.bin', randomBytes(70_000)],
    ['nested/deeper/c with space.txt', Buffer.from('spaces in keys\n')],
    ['big.bin', randomBytes(20 * MiB + 4321)],
  ]);
}

async function writeFolder(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [relative, content] of files) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  }
}

describe('S3 command-line peers against the engine', () => {
  let engine: TestEngine;
  let workDir: string;
  const files = makeFolder();

  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('cli-peers');
    await writeFolder(path.join(workDir, 'src'), files);
    await mkdir(path.join(workDir, 'home'), { recursive: true });
  });

  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Our own signed HEAD: the object exists with the right size and is SSE-COS encrypted. */
  async function assertEncrypted(key: string, size: number): Promise<void> {
    const head = await cosRequest(engine.target, { method: 'HEAD', key });
    assert.equal(head.status, 200, `HEAD ${key}`);
    assert.equal(header(head, 'content-length'), String(size), `size of ${key}`);
    assert.equal(header(head, 'x-cos-server-side-encryption'), 'AES256', `${key} is encrypted at rest`);
  }

  const rclone = findBinary('rclone');
  it('rclone copies a folder in (SSE, multipart) and out, and lists it', { skip: rclone ? false : 'rclone is not installed' }, async () => {
    // A clean env: AWS_CA_BUNDLE (set on this machine) makes rclone fail, and no ambient credentials may leak in.
    const { env, base } = await rcloneSetup(workDir, engine.target, engine.port, ['server_side_encryption = AES256', 'upload_cutoff = 5M', 'chunk_size = 5M']);
    assertOk(await runTool(rclone!, [...base, 'copy', path.join(workDir, 'src'), `engine:${TEST_BUCKET}/rclone`], env), 'rclone copy in');

    const listed = await runTool(rclone!, [...base, 'ls', `engine:${TEST_BUCKET}/rclone`], env);
    assertOk(listed, 'rclone ls');
    const lines = listed.stdout.trim().split('\n').map((line) => line.trim().match(/^(\d+) (.+)$/)!).map((match) => [match[2]!, Number(match[1])] as const);
    assert.deepEqual(new Map(lines), new Map([...files].map(([name, content]) => [name, content.length])));

    for (const [name, content] of files) await assertEncrypted(`rclone/${name}`, content.length);
    const bigHead = await cosRequest(engine.target, { method: 'HEAD', key: 'rclone/big.bin' });
    assert.match(header(bigHead, 'etag') ?? '', /-\d+"$/, 'the big file went multipart');

    const out = path.join(workDir, 'rclone-out');
    assertOk(await runTool(rclone!, [...base, 'copy', `engine:${TEST_BUCKET}/rclone`, out], env), 'rclone copy out');
    for (const [name, content] of files) assert.ok((await readFile(path.join(out, name))).equals(content), `${name} came back byte for byte`);
    assertOk(await runTool(rclone!, [...base, 'check', path.join(workDir, 'src'), `engine:${TEST_BUCKET}/rclone`], env), 'rclone check');
  });

  const s3cmd = findBinary('s3cmd');
  it('s3cmd puts with --server-side-encryption (multipart), lists, shows info (SSE, ACL) and gets', { skip: s3cmd ? false : 's3cmd is not installed' }, async () => {
    const config = path.join(workDir, 's3cfg');
    await writeFile(config, [
      '[default]',
      `access_key = ${engine.target.secretId}`,
      `secret_key = ${engine.target.secretKey}`,
      `host_base = 127.0.0.1:${engine.port}`,
      `host_bucket = 127.0.0.1:${engine.port}`,
      'use_https = False',
      'signature_v2 = False',
      `bucket_location = ${TEST_REGION}`,
      'multipart_chunk_size_mb = 5',
      '',
    ].join('\n'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(workDir, 'home') };
    const base = ['-c', config, '--no-progress'];
    const big = files.get('big.bin')!;
    const src = path.join(workDir, 'src');
    assertOk(await runTool(s3cmd!, [...base, '--server-side-encryption', 'put', path.join(src, 'big.bin'), path.join(src, 'a.txt'), `s3://${TEST_BUCKET}/s3cmd/`], env), 's3cmd put');
    await assertEncrypted('s3cmd/big.bin', big.length);
    assert.match(header(await cosRequest(engine.target, { method: 'HEAD', key: 's3cmd/big.bin' }), 'etag') ?? '', /-\d+"$/, 's3cmd went multipart');
    await assertEncrypted('s3cmd/a.txt', files.get('a.txt')!.length);
    const listed = await runTool(s3cmd!, [...base, 'ls', `s3://${TEST_BUCKET}/s3cmd/`], env);
    assertOk(listed, 's3cmd ls');
    assert.match(listed.stdout, new RegExp(`\\s${big.length}\\s+s3://${TEST_BUCKET}/s3cmd/big\\.bin`));
    // `info` reads GET ?acl too: every Grantee needs its xsi:type attribute.
    const info = await runTool(s3cmd!, [...base, 'info', `s3://${TEST_BUCKET}/s3cmd/big.bin`], env);
    assertOk(info, 's3cmd info');
    assert.match(info.stdout, /SSE:\s+AES256/);
    assert.match(info.stdout, /ACL:\s+\S+: FULL_CONTROL/);
    const down = path.join(workDir, 's3cmd-down.bin');
    assertOk(await runTool(s3cmd!, [...base, 'get', `s3://${TEST_BUCKET}/s3cmd/big.bin`, down], env), 's3cmd get');
    assert.ok((await readFile(down)).equals(big), 'the multipart object came back byte for byte');
  });

  const aws = findBinary(AWS);
  it('the AWS CLI uploads with --sse (simple and multipart), heads, lists and downloads', { skip: aws ? false : `${AWS} is not installed` }, async () => {
    const { env, endpoint } = await awsSetup(workDir, engine.target, engine.port, [['multipart_threshold', '8MB'], ['multipart_chunksize', '8MB']]);
    const src = path.join(workDir, 'src');
    const big = files.get('big.bin')!;
    const small = files.get('nested/b.bin')!;

    assertOk(await runTool(aws!, [...endpoint, 's3', 'cp', '--only-show-errors', '--sse', 'AES256', path.join(src, 'big.bin'), `s3://${TEST_BUCKET}/aws/big.bin`], env), 'aws s3 cp --sse (multipart)');
    assertOk(await runTool(aws!, [...endpoint, 's3', 'cp', '--only-show-errors', '--sse', 'AES256', path.join(src, 'a.txt'), `s3://${TEST_BUCKET}/aws/a.txt`], env), 'aws s3 cp --sse (single)');
    const put = await runTool(aws!, [...endpoint, 's3api', 'put-object', '--bucket', TEST_BUCKET, '--key', 'aws/put-object.bin', '--body', path.join(src, 'nested/b.bin'), '--server-side-encryption', 'AES256'], env);
    assertOk(put, 'aws s3api put-object');
    assert.equal((JSON.parse(put.stdout) as { ServerSideEncryption?: string }).ServerSideEncryption, 'AES256', 'put-object reports SSE');

    for (const [key, size] of [['aws/big.bin', big.length], ['aws/a.txt', files.get('a.txt')!.length], ['aws/put-object.bin', small.length]] as const) {
      const head = await runTool(aws!, [...endpoint, 's3api', 'head-object', '--bucket', TEST_BUCKET, '--key', key], env);
      assertOk(head, `aws s3api head-object ${key}`);
      const parsed = JSON.parse(head.stdout) as { ServerSideEncryption?: string; ContentLength?: number; ETag?: string };
      assert.equal(parsed.ServerSideEncryption, 'AES256', `head-object ${key} shows SSE`);
      assert.equal(parsed.ContentLength, size);
      if (key === 'aws/big.bin') assert.match(parsed.ETag ?? '', /-\d+"$/, 'aws s3 cp went multipart');
      await assertEncrypted(key, size);
    }

    const listed = await runTool(aws!, [...endpoint, 's3', 'ls', `s3://${TEST_BUCKET}/aws/`], env);
    assertOk(listed, 'aws s3 ls');
    for (const [name, size] of [['big.bin', big.length], ['a.txt', files.get('a.txt')!.length], ['put-object.bin', small.length]] as const) {
      assert.match(listed.stdout, new RegExp(`\\s${size} ${name.replace('.', '\\.')}\\n`), `s3 ls shows ${name}`);
    }

    const down = path.join(workDir, 'aws-down.bin');
    assertOk(await runTool(aws!, [...endpoint, 's3', 'cp', '--only-show-errors', `s3://${TEST_BUCKET}/aws/big.bin`, down], env), 'aws s3 cp down');
    assert.ok((await readFile(down)).equals(big), 'the multipart object came back byte for byte');
    const downSmall = path.join(workDir, 'aws-down-small.bin');
    assertOk(await runTool(aws!, [...endpoint, 's3', 'cp', '--only-show-errors', `s3://${TEST_BUCKET}/aws/put-object.bin`, downSmall], env), 'aws s3 cp down (small)');
    assert.ok((await readFile(downSmall)).equals(small));
  });
});
