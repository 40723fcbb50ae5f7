/** uploadFile: part sizing, progress, throttling, resume, abort on failure, cancellation and SSE modes. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { choosePartSize } from '../../core/cos/uploadFile.ts';
import type { UploadedPart } from '../../core/cos/multipart.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { startFaultProxy } from '../fakes/faultProxy.ts';
import { BUCKET, clientFor, fakeWithClient, randomFile, tempFolder } from './cosTestKit.ts';

const MiB = 1024 * 1024;

describe('choosePartSize', () => {
  it('honours a requested size of at least 1 MiB and size/10000, rounded up to MiB', () => {
    assert.equal(choosePartSize(100 * MiB, 3 * MiB + 1), 4 * MiB);
    assert.equal(choosePartSize(100 * MiB, 1000), MiB);
    assert.equal(choosePartSize(200 * 1024 * MiB, 8 * MiB), 21 * MiB);
  });

  it('by default gives each worker about four parts, between 8 and 64 MiB', () => {
    assert.equal(choosePartSize(100 * MiB), 8 * MiB);
    assert.equal(choosePartSize(1024 * MiB, undefined, { concurrency: 4 }), 64 * MiB);
    assert.equal(choosePartSize(1024 * MiB, undefined, { concurrency: 8 }), 32 * MiB);
    assert.equal(choosePartSize(200 * 1024 * MiB), 64 * MiB);
    assert.equal(choosePartSize(1024 * 1024 * MiB), 105 * MiB);
  });

  it('grows parts on a long round trip so that it costs little per part, leaving every worker a part', () => {
    assert.equal(choosePartSize(100 * MiB, undefined, { roundTripMs: 0.2 }), 8 * MiB);
    assert.equal(choosePartSize(100 * MiB, undefined, { roundTripMs: 10 }), 20 * MiB);
    assert.equal(choosePartSize(100 * MiB, undefined, { roundTripMs: 300 }), 25 * MiB);
    assert.equal(choosePartSize(48 * MiB, undefined, { roundTripMs: 300, concurrency: 4 }), 12 * MiB);
    assert.equal(choosePartSize(2048 * MiB, undefined, { roundTripMs: 300 }), 64 * MiB);
  });
});

describe('uploadFile', () => {
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let file: string;
  let data: Buffer;
  const options = { multipartThreshold: 2 * MiB, partSize: MiB };
  const partPuts = (requests: { method: string; query: Record<string, string> }[]): number[] =>
    requests.filter((request) => request.method === 'PUT' && request.query.partNumber).map((request) => Number(request.query.partNumber));

  before(async () => {
    folder = await tempFolder();
    ({ file, data } = await randomFile(folder.dir, 'six.bin', 6 * MiB - 10));
  });
  after(() => folder.remove());

  it('reports monotonic progress ending at the size, and calls the throttle for every byte', async () => {
    const setup = await fakeWithClient();
    try {
      for (const extra of [{}, options]) {
        const seen: number[] = [];
        let throttled = 0;
        await setup.client.uploadFile(BUCKET, 'progress.bin', file, {
          ...extra,
          concurrency: 3,
          onProgress: (sent, total) => {
            assert.equal(total, data.length);
            seen.push(sent);
          },
          throttle: async (bytes) => {
            throttled += bytes;
          },
        });
        assert.ok(seen.length >= 1);
        assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
        assert.equal(seen.at(-1), data.length);
        assert.equal(throttled, data.length);
      }
    } finally {
      await setup.close();
    }
  });

  it('streams parts without a Content-MD5 pre-pass unless contentMd5 asks for it; the CRC-64 verifies either way', async () => {
    const setup = await fakeWithClient();
    try {
      const md5Headers = (): (string | undefined)[] =>
        setup.fake.requests.filter((request) => request.method === 'PUT' && request.query.partNumber).map((request) => request.headers['content-md5'] as string | undefined);
      const plain = await setup.client.uploadFile(BUCKET, 'streamed.bin', file, options);
      assert.equal(plain.crc64Verified, true);
      assert.equal(plain.crc64, crc64(data).toString());
      assert.deepEqual(md5Headers(), Array(6).fill(undefined));
      setup.fake.requests.length = 0;
      const withMd5 = await setup.client.uploadFile(BUCKET, 'md5.bin', file, { ...options, contentMd5: true });
      assert.equal(withMd5.crc64Verified, true);
      const expected = Array.from({ length: 6 }, (_, index) => createHash('md5').update(data.subarray(index * MiB, (index + 1) * MiB)).digest('base64'));
      assert.deepEqual(md5Headers().sort(), expected.sort());
    } finally {
      await setup.close();
    }
  });

  it('resumes a session: only the missing parts are sent', async () => {
    const setup = await fakeWithClient();
    try {
      const controller = new AbortController();
      let session: { uploadId: string; partSize: number } | undefined;
      const parts: UploadedPart[] = [];
      await assert.rejects(
        setup.client.uploadFile(BUCKET, 'resume.bin', file, {
          ...options,
          concurrency: 1,
          signal: controller.signal,
          onSession: (s) => {
            session = s;
          },
          onPart: (part) => {
            parts.push(part);
            if (parts.length === 2) controller.abort();
          },
        }),
        { code: 'Cancelled', retry: 'cancelled' },
      );
      assert.ok(session);
      assert.equal(setup.fake.buckets.get(BUCKET)!.uploads.size, 1, 'a resumable upload is left for resume');
      setup.fake.requests.length = 0;
      const result = await setup.client.uploadFile(BUCKET, 'resume.bin', file, { ...options, resume: { ...session, parts }, onSession: () => assert.fail('no new session') });
      assert.equal(result.uploadId, session.uploadId);
      assert.deepEqual(partPuts(setup.fake.requests).sort(), [3, 4, 5, 6]);
      assert.equal(result.crc64, crc64(data).toString());
      assert.equal(setup.fake.buckets.get(BUCKET)!.objects.get('resume.bin')!.crc64, result.crc64);
    } finally {
      await setup.close();
    }
  });

  it('starts over when the session is gone or its parts do not match', async () => {
    const setup = await fakeWithClient();
    try {
      const first = await setup.client.initiateMultipartUpload(BUCKET, 'restart.bin');
      const part = await setup.client.uploadPart(BUCKET, 'restart.bin', first.uploadId, 1, { path: file, offset: 0, length: MiB });
      for (const resume of [
        { uploadId: 'no-such-upload', partSize: MiB, parts: [part] },
        { uploadId: first.uploadId, partSize: MiB, parts: [{ ...part, etag: '"0000"' }] },
      ]) {
        const sessions: string[] = [];
        setup.fake.requests.length = 0;
        const result = await setup.client.uploadFile(BUCKET, 'restart.bin', file, { ...options, resume, onSession: ({ uploadId }) => void sessions.push(uploadId) });
        assert.equal(sessions.length, 1);
        assert.notEqual(sessions[0], resume.uploadId);
        assert.equal(partPuts(setup.fake.requests).length, 6);
        assert.equal(result.crc64, crc64(data).toString());
      }
      assert.equal(setup.fake.buckets.get(BUCKET)!.uploads.size, 0, 'the mismatching session was aborted');
    } finally {
      await setup.close();
    }
  });

  it('aborts the multipart upload when a non-resumable upload fails', async () => {
    const setup = await fakeWithClient();
    const proxy = await startFaultProxy(setup.fake.endpoint, [{ fault: { kind: 'error', status: 400, code: 'InvalidArgument' }, match: (_request, url) => url.search.includes('partNumber=4') }]);
    const client = clientFor(proxy.endpoint, setup.fake.credentials);
    try {
      await assert.rejects(client.uploadFile(BUCKET, 'fail.bin', file, options), { code: 'InvalidArgument' });
      assert.equal(setup.fake.buckets.get(BUCKET)!.uploads.size, 0);
      assert.ok(setup.fake.requests.some((request) => request.method === 'DELETE' && request.query.uploadId));
    } finally {
      await client.close();
      await proxy.close();
      await setup.close();
    }
  });

  it('cancels through the AbortSignal and aborts the non-resumable upload', async () => {
    const setup = await fakeWithClient();
    try {
      const controller = new AbortController();
      let chunks = 0;
      const pending = setup.client.uploadFile(BUCKET, 'cancel.bin', file, {
        ...options,
        signal: controller.signal,
        throttle: async () => {
          if (++chunks === 2) controller.abort();
          await new Promise((resolve) => setTimeout(resolve, 10));
        },
      });
      await assert.rejects(pending, { code: 'Cancelled', retry: 'cancelled' });
      assert.equal(setup.fake.buckets.get(BUCKET)!.uploads.size, 0);
      assert.equal(setup.fake.buckets.get(BUCKET)!.objects.has('cancel.bin'), false);
    } finally {
      await setup.close();
    }
  });

  it('uploads with SSE-KMS and SSE-C (key triple on every part)', async () => {
    const setup = await fakeWithClient();
    try {
      const kms = await setup.client.uploadFile(BUCKET, 'kms.bin', file, { ...options, sse: { mode: 'kms', keyId: 'cmk-1' } });
      assert.deepEqual(kms.encryption, { algorithm: 'cos/kms', kmsKeyId: 'cmk-1' });
      const key = Buffer.alloc(32, 9);
      setup.fake.requests.length = 0;
      const ssec = await setup.client.uploadFile(BUCKET, 'ssec.bin', file, { ...options, sse: { mode: 'customer', key } });
      assert.equal(ssec.encryption.algorithm, 'SSE-C');
      const parts = setup.fake.requests.filter((request) => request.query.partNumber);
      assert.ok(parts.length === 6 && parts.every((request) => request.headers['x-cos-server-side-encryption-customer-key'] === key.toString('base64')));
      assert.equal((await setup.client.headObject(BUCKET, 'ssec.bin', { customerKey: key })).size, data.length);
    } finally {
      await setup.close();
    }
  });

  it('uploads an empty file with one PUT', async () => {
    const setup = await fakeWithClient();
    try {
      const empty = await randomFile(folder.dir, 'empty.bin', 0);
      const result = await setup.client.uploadFile(BUCKET, 'empty.bin', empty.file, { multipartThreshold: 0 });
      assert.equal(result.size, 0);
      assert.equal(result.crc64, '0');
    } finally {
      await setup.close();
    }
  });
});
