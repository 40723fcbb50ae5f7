/** Bucket policies decide every request: Deny-unencrypted on PUT/POST/copy/multipart, copy sources, per-key multi-delete, anonymous Allow, the owner's escape hatch. */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CosClient } from '../../core/cos/cosClient.ts';
import { TestEngine, type TestResponse } from './engineClient.ts';

const BUCKET = 'test-1250000000';
const codeOf = (response: TestResponse): string | undefined => /<Code>([^<]+)<\/Code>/.exec(response.text)?.[1];
const SSE = { 'x-cos-server-side-encryption': 'AES256' };

/** The S3 policy users write to refuse every write that does not ask for SSE. */
const denyUnencrypted = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Sid: 'DenyUnencryptedWrites', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`,
    Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': ['AES256', 'aws:kms'] } },
  }],
});

describe('bucket policy enforcement', () => {
  let t: TestEngine;
  let client: CosClient;
  before(async () => {
    t = await TestEngine.start();
    client = new CosClient({ credentials: t.engine.credentials, region: t.engine.region, endpoint: t.engine.endpoint, retries: { attempts: 1 } });
  });
  after(async () => {
    await client.close();
    await t.close();
  });
  beforeEach(async () => {
    assert.equal((await t.request({ method: 'DELETE', query: [['policy', '']] })).status, 204);
  });

  const setPolicy = async (policy: string): Promise<void> => {
    const response = await t.request({ method: 'PUT', query: [['policy', '']], body: policy });
    assert.equal(response.status, 204, response.text);
  };

  it('Deny-unencrypted: PUT, POST Object, copy and Initiate without SSE are refused with 403; encrypted ones and their parts pass', async () => {
    await setPolicy(denyUnencrypted);
    const plain = await t.request({ method: 'PUT', key: 'plain.txt', body: 'no sse' });
    assert.equal(plain.status, 403);
    assert.equal(codeOf(plain), 'AccessDenied');
    assert.match(plain.text, /bucket policy of test-1250000000 \(statement &quot;DenyUnencryptedWrites&quot;\)/);
    assert.equal((await t.request({ method: 'HEAD', key: 'plain.txt' })).status, 404, 'nothing was stored');
    assert.equal((await t.request({ method: 'PUT', key: 'kms.txt', body: 'x', headers: { 'x-cos-server-side-encryption': 'cos/kms' } })).status, 200, 'cos/kms is aws:kms to the policy');
    assert.equal((await t.request({ method: 'PUT', key: 'amz.txt', body: 'x', headers: { 'x-amz-server-side-encryption': 'AES256' } })).status, 200);
    assert.equal((await t.request({ method: 'PUT', key: 'sse.txt', body: 'encrypted', headers: SSE })).status, 200);
    assert.equal((await t.request({ key: 'sse.txt' })).text, 'encrypted', 'reads are another action');

    await assert.rejects(client.postObject(BUCKET, 'form-plain.txt', Buffer.from('x'), { sse: { mode: 'none' } }), (error: Error & { status?: number }) => error.message.includes('403') || error.status === 403);
    const posted = await client.postObject(BUCKET, 'form-sse.txt', Buffer.from('form'), { sse: { mode: 'AES256' } });
    assert.equal(posted.encryption.algorithm, 'AES256');

    assert.equal((await t.request({ method: 'PUT', key: 'copy-plain.txt', headers: { 'x-cos-copy-source': `${BUCKET}/sse.txt` } })).status, 403);
    assert.equal((await t.request({ method: 'PUT', key: 'copy-sse.txt', headers: { 'x-cos-copy-source': `${BUCKET}/sse.txt`, ...SSE } })).status, 200);

    assert.equal((await t.request({ method: 'POST', key: 'multi.bin', query: [['uploads', '']] })).status, 403);
    const initiated = await t.request({ method: 'POST', key: 'multi.bin', query: [['uploads', '']], headers: SSE });
    assert.equal(initiated.status, 200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated.text)![1]!;
    // Parts and Complete carry no SSE header: they are judged with the encryption the upload was initiated with.
    const part = await t.request({ method: 'PUT', key: 'multi.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: 'part one' });
    assert.equal(part.status, 200, part.text);
    const complete = await t.request({
      method: 'POST', key: 'multi.bin', query: [['uploadId', uploadId]],
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag as string}</ETag></Part></CompleteMultipartUpload>`,
    });
    assert.equal(complete.status, 200, complete.text);
    assert.equal((await t.request({ key: 'multi.bin' })).text, 'part one');
  });

  it('the bucket default encryption does not satisfy the condition: only the request headers count (as on S3)', async () => {
    assert.equal((await t.request({ method: 'PUT', query: [['encryption', '']], body: '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>' })).status, 200);
    try {
      await setPolicy(denyUnencrypted);
      assert.equal((await t.request({ method: 'PUT', key: 'default.txt', body: 'x' })).status, 403);
    } finally {
      assert.equal((await t.request({ method: 'DELETE', query: [['encryption', '']] })).status, 204);
    }
  });

  it('the COS grammar refuses the same writes (name/cos actions, qcs resources, string_not_equal)', async () => {
    await setPolicy(JSON.stringify({
      version: '2.0',
      statement: [{
        principal: { qcs: ['qcs::cam::anyone:anyone'] }, effect: 'deny',
        action: ['name/cos:PutObject', 'name/cos:PostObject', 'name/cos:InitiateMultipartUpload', 'name/cos:PutObjectCopy'],
        resource: [`qcs::cos:ap-guangzhou:uid/1250000000:${BUCKET}/*`],
        condition: { string_not_equal: { 'cos:x-cos-server-side-encryption': 'AES256' } },
      }],
    }));
    assert.equal((await t.request({ method: 'PUT', key: 'cos-plain.txt', body: 'x' })).status, 403);
    assert.equal((await t.request({ method: 'PUT', key: 'cos-sse.txt', body: 'x', headers: SSE })).status, 200);
    assert.equal((await t.request({ method: 'POST', key: 'cos-multi', query: [['uploads', '']] })).status, 403);
  });

  it('checks the copy source read, and multi-delete key by key', async () => {
    for (const key of ['secret/a', 'open/a', 'open/b']) assert.equal((await t.request({ method: 'PUT', key, body: key, headers: SSE })).status, 200);
    await setPolicy(JSON.stringify({
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` },
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/secret/*` },
      ],
    }));
    assert.equal((await t.request({ key: 'secret/a' })).status, 403);
    assert.equal((await t.request({ method: 'HEAD', key: 'secret/a' })).status, 403);
    const copy = await t.request({ method: 'PUT', key: 'open/copy', headers: { 'x-cos-copy-source': `${BUCKET}/secret/a`, ...SSE } });
    assert.equal(copy.status, 403, 'the source read is denied');
    assert.equal((await t.request({ method: 'PUT', key: 'open/copy', headers: { 'x-cos-copy-source': `${BUCKET}/open/a`, ...SSE } })).status, 200);
    const body = '<Delete><Object><Key>secret/a</Key></Object><Object><Key>open/a</Key></Object><Object><Key>open/b</Key></Object></Delete>';
    const deleted = await t.request({ method: 'POST', query: [['delete', '']], body });
    assert.equal(deleted.status, 200);
    assert.match(deleted.text, /<Error><Key>secret\/a<\/Key><Code>AccessDenied<\/Code>/);
    assert.match(deleted.text, /<Deleted><Key>open\/a<\/Key><\/Deleted>/);
    assert.equal((await t.request({ method: 'HEAD', key: 'open/b' })).status, 404);
    await t.request({ method: 'DELETE', query: [['policy', '']] });
    assert.equal((await t.request({ method: 'HEAD', key: 'secret/a' })).status, 200, 'the protected key is still there');
  });

  it('an Allow lets anonymous callers in (plain objects only), without a public ACL', async () => {
    assert.equal((await t.request({ method: 'PUT', key: 'pub/plain.txt', body: 'public words' })).status, 200);
    assert.equal((await t.request({ method: 'PUT', key: 'pub/sse.txt', body: 'encrypted words', headers: SSE })).status, 200);
    assert.equal((await t.request({ key: 'pub/plain.txt', anonymous: true })).status, 403, 'private bucket, no policy');
    await setPolicy(JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${BUCKET}/pub/*` },
        { Effect: 'Allow', Principal: { qcs: 'qcs::cam::anonymous:anonymous' }, Action: 'name/cos:PutObject', Resource: `qcs::cos:ap-guangzhou:uid/1250000000:${BUCKET}/dropbox/*` },
      ],
    }));
    assert.equal((await t.request({ key: 'pub/plain.txt', anonymous: true })).text, 'public words');
    assert.equal((await t.request({ key: 'pub/sse.txt', anonymous: true })).status, 403, 'encrypted objects need a signature');
    assert.equal((await t.request({ key: 'other.txt', anonymous: true })).status, 403);
    assert.equal((await t.request({ method: 'PUT', key: 'dropbox/in.txt', body: 'dropped', anonymous: true })).status, 200);
    assert.equal((await t.request({ method: 'PUT', key: 'pub/in.txt', body: 'x', anonymous: true })).status, 403);
    assert.equal((await t.request({ key: 'dropbox/in.txt' })).text, 'dropped');
    assert.equal((await t.request({ query: [['policy', '']], anonymous: true })).status, 403, 'the policy itself is the owner’s');
  });

  it('a policy that denies everything still lets the owner read, replace and delete it', async () => {
    await setPolicy(JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }] }));
    assert.equal((await t.request({})).status, 403);
    assert.equal((await t.request({ method: 'HEAD' })).status, 403);
    assert.equal((await t.request({ key: 'pub/plain.txt' })).status, 403);
    assert.equal((await t.request({ query: [['policy', '']] })).status, 200);
    assert.equal((await t.request({ method: 'DELETE', query: [['policy', '']] })).status, 204);
    assert.equal((await t.request({})).status, 200);
  });

  it('Bool aws:SecureTransport=false refuses plain HTTP', async () => {
    await setPolicy(JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] }));
    assert.equal((await t.request({ key: 'pub/plain.txt' })).status, 403);
    await setPolicy(JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }));
    assert.equal((await t.request({ key: 'pub/plain.txt' })).status, 200);
  });

  it('a stored policy that no longer parses fails closed until the owner replaces it', async () => {
    await setPolicy(denyUnencrypted);
    // What a stricter engine version would find: a stored document it cannot read.
    const db = new DatabaseSync(path.join(t.dir, 'index.sqlite'));
    db.prepare('UPDATE bucket_policies SET document = ? WHERE bucket = ?').run('{"Statement": "nonsense"}', BUCKET);
    db.close();
    const refused = await t.request({ key: 'pub/plain.txt' });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /can no longer be read/);
    assert.equal((await t.request({ method: 'PUT', query: [['policy', '']], body: denyUnencrypted })).status, 204);
    assert.equal((await t.request({ key: 'pub/plain.txt' })).status, 200);
  });
});
