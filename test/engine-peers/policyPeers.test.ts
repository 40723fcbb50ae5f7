/** Bucket policies as the peers see them: cos-nodejs-sdk-v5, the AWS CLI and rclone under a Deny-unencrypted policy (403 unencrypted, encrypted accepted) and a malformed policy (400). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { cosRequest, header } from './cosRequest.ts';
import { AWS, awsSetup, assertOk, findBinary, rcloneSetup, runTool } from './peerTools.ts';
import { makeTempDir, startTestEngine, TEST_BUCKET, TEST_REGION, type TestEngine } from './startTestEngine.ts';

const MiB = 1024 * 1024;

/** The SDK's error as thrown. */
interface SdkError {
  code?: string;
  statusCode?: number;
}

/** COS grammar: deny every write to the bucket that does not ask for SSE-COS. */
const cosDenyUnencrypted = {
  version: '2.0',
  statement: [{
    principal: { qcs: ['qcs::cam::anyone:anyone'] },
    effect: 'deny',
    action: ['name/cos:PutObject', 'name/cos:PostObject', 'name/cos:InitiateMultipartUpload', 'name/cos:PutObjectCopy'],
    resource: [`qcs::cos:${TEST_REGION}:uid/1250000000:${TEST_BUCKET}/*`],
    condition: { string_not_equal: { 'cos:x-cos-server-side-encryption': 'AES256' } },
  }],
};

/** S3 grammar, as the AWS documentation writes it. */
const s3DenyUnencrypted = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Sid: 'DenyUnencryptedObjectUploads', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${TEST_BUCKET}/*`,
    Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } },
  }],
});

describe('bucket policies through the peers', () => {
  let engine: TestEngine;
  let workDir: string;

  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('policy-peers');
    await mkdir(path.join(workDir, 'home'), { recursive: true });
    await writeFile(path.join(workDir, 'small.txt'), 'a small file\n');
    await writeFile(path.join(workDir, 'big.bin'), randomBytes(12 * MiB + 77));
  });
  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    assert.equal((await cosRequest(engine.target, { method: 'DELETE', query: [['policy', '']] })).status, 204);
  });

  /** Our own signed HEAD: the key exists (200) and carries this encryption, or 404. */
  async function stored(key: string): Promise<{ status: number; sse: string | undefined }> {
    const head = await cosRequest(engine.target, { method: 'HEAD', key });
    return { status: head.status, sse: header(head, 'x-cos-server-side-encryption') };
  }

  it('cos-nodejs-sdk-v5: malformed policy 400, Deny-unencrypted refuses putObject with 403, SSE putObject and sliceUploadFile pass', async () => {
    const cos = new COS({ SecretId: engine.target.secretId, SecretKey: engine.target.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${engine.port}` });
    const Bucket = TEST_BUCKET;
    const Region = TEST_REGION;
    const malformed = { ...cosDenyUnencrypted, statement: [{ ...cosDenyUnencrypted.statement[0]!, action: ['name/cos:PutObjct'] }] };
    const bad = (await cos.putBucketPolicy({ Bucket, Region, Policy: malformed }).catch((error: unknown) => error)) as SdkError;
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.code, 'MalformedPolicy');

    const put = await cos.putBucketPolicy({ Bucket, Region, Policy: cosDenyUnencrypted });
    assert.ok(put.statusCode === 200 || put.statusCode === 204, String(put.statusCode));
    const got = await cos.getBucketPolicy({ Bucket, Region });
    assert.deepEqual(got.Policy, cosDenyUnencrypted);

    const refused = (await cos.putObject({ Bucket, Region, Key: 'sdk/plain.txt', Body: 'plain' }).catch((error: unknown) => error)) as SdkError;
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.code, 'AccessDenied');
    assert.equal((await stored('sdk/plain.txt')).status, 404);

    const ok = await cos.putObject({ Bucket, Region, Key: 'sdk/sse.txt', Body: 'encrypted', ServerSideEncryption: 'AES256' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(await stored('sdk/sse.txt'), { status: 200, sse: 'AES256' });
    const sliced = await cos.sliceUploadFile({ Bucket, Region, Key: 'sdk/big.bin', FilePath: path.join(workDir, 'big.bin'), SliceSize: MiB, ChunkSize: MiB, ServerSideEncryption: 'AES256' });
    assert.equal(sliced.statusCode, 200, 'parts and Complete pass: they are judged with the upload\'s encryption');
    assert.deepEqual(await stored('sdk/big.bin'), { status: 200, sse: 'AES256' });
    const plainSlice = (await cos.sliceUploadFile({ Bucket, Region, Key: 'sdk/big-plain.bin', FilePath: path.join(workDir, 'big.bin'), SliceSize: MiB, ChunkSize: MiB }).catch((error: unknown) => error)) as SdkError;
    assert.equal(plainSlice.statusCode, 403, 'Initiate without SSE is refused');

    await cos.deleteBucketPolicy({ Bucket, Region });
    const none = (await cos.getBucketPolicy({ Bucket, Region }).catch((error: unknown) => error)) as SdkError & { error?: { Code?: string } };
    assert.equal(none.statusCode, 404);
    assert.equal(none.error?.Code, 'NoSuchPolicy');
  });

  const aws = findBinary(AWS);
  it('the AWS CLI: malformed policy 400, Deny-unencrypted refuses cp and put-object with 403, --sse uploads pass', { skip: aws ? false : `${AWS} is not installed` }, async () => {
    const { env, endpoint } = await awsSetup(workDir, engine.target, engine.port, [['multipart_threshold', '8MB'], ['multipart_chunksize', '8MB']]);
    const bad = await runTool(AWS, [...endpoint, 's3api', 'put-bucket-policy', '--bucket', TEST_BUCKET, '--policy', '{"Statement": ['], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /MalformedPolicy/);
    assert.match(bad.stderr, /not valid JSON/);

    assertOk(await runTool(AWS, [...endpoint, 's3api', 'put-bucket-policy', '--bucket', TEST_BUCKET, '--policy', s3DenyUnencrypted], env), 'put-bucket-policy');
    const got = await runTool(AWS, [...endpoint, 's3api', 'get-bucket-policy', '--bucket', TEST_BUCKET], env);
    assertOk(got, 'get-bucket-policy');
    assert.equal((JSON.parse(got.stdout) as { Policy: string }).Policy, s3DenyUnencrypted, 'returned byte for byte');

    const cp = await runTool(AWS, [...endpoint, 's3', 'cp', '--only-show-errors', path.join(workDir, 'small.txt'), `s3://${TEST_BUCKET}/aws/plain.txt`], env);
    assert.notEqual(cp.code, 0);
    assert.match(cp.stderr, /AccessDenied|403|Access Denied/);
    const putObject = await runTool(AWS, [...endpoint, 's3api', 'put-object', '--bucket', TEST_BUCKET, '--key', 'aws/plain2.txt', '--body', path.join(workDir, 'small.txt')], env);
    assert.notEqual(putObject.code, 0);
    assert.match(putObject.stderr, /\(AccessDenied\)/);
    assert.equal((await stored('aws/plain.txt')).status, 404);
    assert.equal((await stored('aws/plain2.txt')).status, 404);

    assertOk(await runTool(AWS, [...endpoint, 's3', 'cp', '--only-show-errors', '--sse', 'AES256', path.join(workDir, 'small.txt'), `s3://${TEST_BUCKET}/aws/sse.txt`], env), 'aws s3 cp --sse');
    assertOk(await runTool(AWS, [...endpoint, 's3', 'cp', '--only-show-errors', '--sse', 'AES256', path.join(workDir, 'big.bin'), `s3://${TEST_BUCKET}/aws/big.bin`], env), 'aws s3 cp --sse (multipart)');
    assert.deepEqual(await stored('aws/sse.txt'), { status: 200, sse: 'AES256' });
    assert.deepEqual(await stored('aws/big.bin'), { status: 200, sse: 'AES256' });

    assertOk(await runTool(AWS, [...endpoint, 's3api', 'delete-bucket-policy', '--bucket', TEST_BUCKET], env), 'delete-bucket-policy');
    const none = await runTool(AWS, [...endpoint, 's3api', 'get-bucket-policy', '--bucket', TEST_BUCKET], env);
    assert.match(none.stderr, /NoSuchBucketPolicy/);
  });

  const rclone = findBinary('rclone');
  it('rclone: under Deny-unencrypted a copy without server_side_encryption fails with 403; with it (multipart too) it passes', { skip: rclone ? false : 'rclone is not installed' }, async () => {
    const policy = await cosRequest(engine.target, { method: 'PUT', query: [['policy', '']], body: s3DenyUnencrypted });
    assert.equal(policy.status, 204);
    const plain = await rcloneSetup(path.join(workDir, 'rclone-plain'), engine.target, engine.port, ['upload_cutoff = 5M', 'chunk_size = 5M']);
    const refused = await runTool(rclone!, [...plain.base, 'copyto', path.join(workDir, 'small.txt'), `engine:${TEST_BUCKET}/rclone/plain.txt`], plain.env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AccessDenied|403/);
    assert.equal((await stored('rclone/plain.txt')).status, 404);

    const sse = await rcloneSetup(path.join(workDir, 'rclone-sse'), engine.target, engine.port, ['server_side_encryption = AES256', 'upload_cutoff = 5M', 'chunk_size = 5M']);
    for (const name of ['small.txt', 'big.bin']) {
      assertOk(await runTool(rclone!, [...sse.base, 'copyto', path.join(workDir, name), `engine:${TEST_BUCKET}/rclone/${name}`], sse.env), `rclone copyto ${name}`);
      assert.deepEqual(await stored(`rclone/${name}`), { status: 200, sse: 'AES256' });
    }
  });
});
