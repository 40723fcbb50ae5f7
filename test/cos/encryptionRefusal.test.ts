/** Encrypted writes the server refuses or does not confirm: SseRefused / SseNotConfirmed naming bucket, region and the fix; one request each, never one without SSE. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CosClient } from '../../core/cos/cosClient.ts';
import { isEncryptionRefusal } from '../../core/cos/encryptionRefusal.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { setBucketPolicy } from '../fakes/bucketPolicy.ts';
import { startFaultProxy, type FaultProxy } from '../fakes/faultProxy.ts';
import { startCountingProxy, type CountingProxy } from '../sync-engine/countingProxy.ts';
import { BUCKET, clientFor, randomFile, REGION, tempFolder } from './cosTestKit.ts';

/** A policy that wants SSE-KMS: our default SSE-COS writes are refused with 403. */
const requireKms = JSON.stringify({
  Statement: [{ Sid: 'OnlyKms', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }],
});

const MiB = 1024 * 1024;

function assertRefusal(error: unknown, code: 'SseRefused' | 'SseNotConfirmed', key: string): true {
  assert.ok(isEncryptionRefusal(error), String(error));
  assert.equal(error.code, code);
  assert.equal(error.retry, 'fatal');
  assert.match(error.message, new RegExp(`bucket ${BUCKET} \\(${REGION}\\)`), 'names bucket and region');
  assert.ok(error.message.includes(`'${key}'`), error.message);
  assert.match(error.hint ?? '', /never retries a write without its encryption header/);
  return true;
}

describe('encryption refusals reach the caller', () => {
  let engine: EngineHandle;
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let counting: CountingProxy;
  let client: CosClient;

  before(async () => {
    folder = await tempFolder();
    engine = await startEngine({ dataDir: `${folder.dir}/engine`, port: 0, region: REGION, buckets: [BUCKET] });
    counting = await startCountingProxy(engine.endpoint);
    client = clientFor(counting.endpoint, engine.credentials, { pathStyle: true });
    const owner = clientFor(engine.endpoint, engine.credentials, { pathStyle: true });
    try {
      await setBucketPolicy(owner, BUCKET, requireKms);
    } finally {
      await owner.close();
    }
  });
  after(async () => {
    await client?.close();
    await counting?.close();
    await engine?.close();
    await folder?.remove();
  });
  beforeEach(() => {
    counting.log.length = 0;
  });

  const writes = (): typeof counting.log => counting.log.filter((entry) => entry.method === 'PUT' || entry.method === 'POST');

  it('a bucket policy refusal of PUT Object is SseRefused after one request, which carried SSE', async () => {
    await assert.rejects(client.putObject(BUCKET, 'docs/a.txt', Buffer.from('secret')), (error) => assertRefusal(error, 'SseRefused', 'docs/a.txt'));
    assert.deepEqual(writes().map((entry) => [entry.method, entry.encryption, entry.status]), [['PUT', 'AES256', 403]], 'one attempt, with the header');
  });

  it('uploadFile of a multipart file stops at Initiate: no part, no request without SSE', async () => {
    const { file } = await randomFile(folder.dir, 'big.bin', 9 * MiB);
    await assert.rejects(client.uploadFile(BUCKET, 'big.bin', file, { partSize: MiB, multipartThreshold: MiB }), (error) => assertRefusal(error, 'SseRefused', 'big.bin'));
    assert.deepEqual(writes().map((entry) => [entry.method, entry.encryption]), [['POST', 'AES256']]);
  });

  it('POST Object and copy refusals are SseRefused too', async () => {
    await assert.rejects(client.postObject(BUCKET, 'form.txt', Buffer.from('x')), (error) => assertRefusal(error, 'SseRefused', 'form.txt'));
    await assert.rejects(client.copyObject(BUCKET, 'copy.txt', { bucket: BUCKET, key: 'nothing-there' }), (error) => assertRefusal(error, 'SseRefused', 'copy.txt'));
    assert.equal(writes().length, 2);
    assert.ok(writes().every((entry) => entry.method === 'POST' || entry.encryption === 'AES256'));
  });

  it('SSE-KMS, which the policy wants, is stored', async () => {
    const stored = await client.putObject(BUCKET, 'docs/kms.txt', Buffer.from('fine'), { sse: { mode: 'kms' } });
    assert.equal(stored.encryption.algorithm, 'cos/kms');
  });
});

describe('servers that reject or do not confirm the SSE header', () => {
  let engine: EngineHandle;
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let proxy: FaultProxy;
  let client: CosClient;

  before(async () => {
    folder = await tempFolder();
    engine = await startEngine({ dataDir: `${folder.dir}/engine`, port: 0, region: REGION, buckets: [BUCKET] });
    proxy = await startFaultProxy(engine.endpoint);
    client = clientFor(proxy.endpoint, engine.credentials);
  });
  after(async () => {
    await client?.close();
    await proxy?.close();
    await engine?.close();
    await folder?.remove();
  });
  beforeEach(() => {
    proxy.rules.length = 0;
    proxy.log.length = 0;
  });

  it('400 InvalidArgument about the encryption header (a region without SSE) is SseRefused, not retried', async () => {
    proxy.rules.push({ fault: { kind: 'error', status: 400, code: 'InvalidArgument', message: 'The x-cos-server-side-encryption header is not supported in this region.' }, match: (request) => request.method === 'PUT' });
    await assert.rejects(client.putObject(BUCKET, 'r.txt', Buffer.from('x')), (error) => {
      assertRefusal(error, 'SseRefused', 'r.txt');
      assert.match((error as Error).message, /not supported in this region/);
      assert.match((error as { hint?: string }).hint ?? '', /may not offer SSE-COS/);
      return true;
    });
    assert.deepEqual(proxy.log.map((entry) => [entry.method, entry.encryption]), [['PUT', 'AES256']]);
  });

  it('501 NotImplemented is SseRefused and not retried although it is a 5xx', async () => {
    proxy.rules.push({ fault: { kind: 'error', status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented.' } });
    await assert.rejects(client.putObject(BUCKET, 'n.txt', Buffer.from('x')), (error) => assertRefusal(error, 'SseRefused', 'n.txt'));
    assert.equal(proxy.log.length, 1);
  });

  it('an unrelated 400 on a write keeps its own code', async () => {
    proxy.rules.push({ fault: { kind: 'error', status: 400, code: 'InvalidArgument', message: 'x-cos-meta-* values must be ASCII.' } });
    await assert.rejects(client.putObject(BUCKET, 'm.txt', Buffer.from('x')), (error: Error & { code?: string }) => error.code === 'InvalidArgument' && !isEncryptionRefusal(error));
  });

  it('a 2xx without the SSE echo is SseNotConfirmed naming bucket and region', async () => {
    proxy.rules.push({ fault: { kind: 'stripSse' }, match: (request) => request.method === 'PUT' });
    await assert.rejects(client.putObject(BUCKET, 'echo.txt', Buffer.from('x')), (error) => assertRefusal(error, 'SseNotConfirmed', 'echo.txt'));
    assert.ok(proxy.log.every((entry) => entry.method !== 'PUT' || entry.encryption === 'AES256'));
  });
});
