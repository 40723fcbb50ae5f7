/** The client against the bundled engine behind the fault proxy: retries, resets, SSE echo, CRC, resume, abort, skew and path-style. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CosClient } from '../../core/cos/cosClient.ts';
import type { UploadedPart } from '../../core/cos/multipart.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { startFaultProxy, type FaultProxy } from '../fakes/faultProxy.ts';
import { BUCKET, clientFor, randomFile, startEngineTarget, tempFolder, type CosTarget } from './cosTestKit.ts';

const MiB = 1024 * 1024;
const options = { multipartThreshold: 2 * MiB, partSize: MiB };
const partNumbers = (proxy: FaultProxy, since: number): number[] =>
  proxy.log.slice(since).filter((entry) => entry.method === 'PUT' && entry.url.includes('partNumber=')).map((entry) => Number(/partNumber=(\d+)/.exec(entry.url)![1]));

describe('CosClient against the bundled engine behind the fault proxy', () => {
  let target: CosTarget | undefined;
  let proxy: FaultProxy;
  let client: CosClient;
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let file: string;
  let data: Buffer;
  const ready = (t: TestContext): boolean => {
    if (target) return true;
    t.skip('core/engine/startEngine.ts is not available yet');
    return false;
  };

  before(async () => {
    folder = await tempFolder();
    ({ file, data } = await randomFile(folder.dir, 'five.bin', 5 * MiB + 77));
    target = await startEngineTarget();
    if (!target) return;
    proxy = await startFaultProxy(target.endpoint);
    client = clientFor(proxy.endpoint, target.credentials);
  });
  after(async () => {
    await client?.close();
    await proxy?.close();
    await target?.close();
    await folder.remove();
  });

  it('retries SlowDown and a connection reset in the middle of a part', async (t) => {
    if (!ready(t)) return;
    proxy.rules.splice(0, Infinity,
      { fault: { kind: 'error', status: 503, code: 'SlowDown' }, times: 2, match: (request) => request.method === 'PUT' },
      { fault: { kind: 'resetRequest', afterBytes: 300_000 }, times: 1, match: (_request, url) => url.search.includes('partNumber=3') },
    );
    const result = await client.uploadFile(BUCKET, 'engine/retried.bin', file, options);
    assert.equal(result.crc64, crc64(data).toString());
    assert.deepEqual(proxy.injected, { error: 2, resetRequest: 1 });
    assert.equal((await client.headObject(BUCKET, 'engine/retried.bin')).crc64, result.crc64);
  });

  it('rejects a write whose SSE echo was stripped, and a whole-object CRC that does not match', async (t) => {
    if (!ready(t)) return;
    proxy.rules.splice(0, Infinity, { fault: { kind: 'stripSse' }, times: 1, match: (request) => request.method === 'PUT' });
    await assert.rejects(client.putObject(BUCKET, 'engine/sse', Buffer.from('x')), { code: 'SseNotConfirmed', retry: 'fatal' });
    proxy.rules.splice(0, Infinity, { fault: { kind: 'corruptCrc' }, times: 1, match: (request, url) => request.method === 'POST' && url.search.includes('uploadId') });
    await assert.rejects(client.uploadFile(BUCKET, 'engine/crc.bin', file, options), { code: 'Crc64Mismatch', retry: 'retry' });
  });

  it('resumes a session sending only the missing parts, and aborts non-resumable uploads that fail', async (t) => {
    if (!ready(t)) return;
    proxy.rules.splice(0, Infinity);
    const controller = new AbortController();
    let session: { uploadId: string; partSize: number } | undefined;
    const parts: UploadedPart[] = [];
    await assert.rejects(
      client.uploadFile(BUCKET, 'engine/resume.bin', file, {
        ...options,
        concurrency: 1,
        signal: controller.signal,
        onSession: (s) => void (session = s),
        onPart: (part) => {
          parts.push(part);
          if (parts.length === 3) controller.abort();
        },
      }),
      { code: 'Cancelled' },
    );
    assert.ok(session);
    const since = proxy.log.length;
    const result = await client.uploadFile(BUCKET, 'engine/resume.bin', file, { ...options, resume: { ...session, parts } });
    assert.deepEqual(partNumbers(proxy, since).sort(), [4, 5, 6]);
    assert.equal(result.crc64, crc64(data).toString());

    proxy.rules.splice(0, Infinity, { fault: { kind: 'error', status: 400, code: 'InvalidArgument' }, match: (_request, url) => url.search.includes('partNumber=2') });
    await assert.rejects(client.uploadFile(BUCKET, 'engine/failed.bin', file, options), { code: 'InvalidArgument' });
    proxy.rules.splice(0, Infinity);
    const uploads = await client.listMultipartUploads(BUCKET, { prefix: 'engine/failed.bin' });
    assert.deepEqual(uploads.uploads, []);
  });

  it('uploads SSE-C multipart objects with the key on every part and reads them back with it', async (t) => {
    if (!ready(t)) return;
    proxy.rules.splice(0, Infinity);
    const key = Buffer.alloc(32, 5);
    const result = await client.uploadFile(BUCKET, 'engine/ssec.bin', file, { ...options, sse: { mode: 'customer', key } });
    assert.equal(result.encryption.algorithm, 'SSE-C');
    const head = await client.headObject(BUCKET, 'engine/ssec.bin', { customerKey: key });
    assert.equal(head.crc64, crc64(data).toString());
    await assert.rejects(client.headObject(BUCKET, 'engine/ssec.bin'));
  });

  it('downloads to one path at once, some cut mid-body: each failure removes only its own temporary file; the file is one whole object', async (t) => {
    if (!ready(t)) return;
    await client.putObject(BUCKET, 'engine/download.bin', data);
    proxy.rules.splice(0, Infinity, { fault: { kind: 'resetResponse', afterBytes: 200_000 }, times: 3, match: (request) => request.method === 'GET' });
    const destination = path.join(folder.dir, 'downloaded.bin');
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => client.getObjectToFile(BUCKET, 'engine/download.bin', destination)));
    proxy.rules.splice(0, Infinity);
    assert.equal(outcomes.filter((outcome) => outcome.status === 'rejected').length, 3, outcomes.map((outcome) => outcome.status === 'rejected' ? String(outcome.reason) : 'ok').join(' | '));
    assert.ok((await readFile(destination)).equals(data));
    assert.deepEqual((await readdir(folder.dir)).filter((name) => name.includes('cos-sync-download')), []);
  });

  it('works path-style', async (t) => {
    if (!ready(t)) return;
    const pathStyle = clientFor(target!.endpoint, target!.credentials, { pathStyle: true });
    try {
      const result = await pathStyle.uploadFile(BUCKET, 'engine/path style/ünï.bin', file, options);
      assert.equal(result.crc64, crc64(data).toString());
      const listed = await pathStyle.listObjects(BUCKET, { prefix: 'engine/path style/' });
      assert.deepEqual(listed.contents.map((entry) => entry.key), ['engine/path style/ünï.bin']);
      await pathStyle.deleteObject(BUCKET, 'engine/path style/ünï.bin');
    } finally {
      await pathStyle.close();
    }
  });

  it('corrects its clock from an engine whose clock is two hours ahead', async (t) => {
    if (!ready(t)) return;
    const skewed = await startEngineTarget({ now: () => Date.now() + 2 * 3600_000 });
    assert.ok(skewed);
    const skewedClient = clientFor(skewed.endpoint, skewed.credentials);
    try {
      await skewedClient.putObject(BUCKET, 'skew', Buffer.from('x'));
      assert.ok(Math.abs(skewedClient.transport.clockOffsetMs - 2 * 3600_000) < 5000);
    } finally {
      await skewedClient.close();
      await skewed.close();
    }
  });
});
