/** Transport behaviour under injected faults: retries, resets, stalls, SSE echo and CRC checks, clock skew, host styles, secrets. */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { CosSyncError } from '../../core/common/errors.ts';
import { CosError } from '../../core/protocol/cosError.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { startFakeCos } from '../fakes/fakeCos.ts';
import { startFaultProxy, type FaultRule } from '../fakes/faultProxy.ts';
import { BUCKET, clientFor, randomFile, tempFolder } from './cosTestKit.ts';

const MiB = 1024 * 1024;

async function proxied(rules: FaultRule[], extra: Parameters<typeof clientFor>[2] = {}) {
  const fake = await startFakeCos({ buckets: [BUCKET] });
  const proxy = await startFaultProxy(fake.endpoint, rules);
  const client = clientFor(proxy.endpoint, fake.credentials, extra);
  return {
    fake,
    proxy,
    client,
    close: async () => {
      await client.close();
      await proxy.close();
      await fake.close();
    },
  };
}

const isPut = (request: { method?: string }, url: URL): boolean => request.method === 'PUT' && !url.search.includes('uploadId');

describe('retries', () => {
  it('retries 503 SlowDown with backoff and succeeds', async () => {
    const setup = await proxied([{ fault: { kind: 'error', status: 503, code: 'SlowDown' }, times: 2, match: isPut }]);
    try {
      const result = await setup.client.putObject(BUCKET, 'retry/a', Buffer.from('abc'));
      assert.equal(result.crc64, crc64(Buffer.from('abc')).toString());
      assert.equal(setup.proxy.injected.error, 2);
    } finally {
      await setup.close();
    }
  });

  it('gives up after the configured attempts with a retry-class CosError', async () => {
    const setup = await proxied([{ fault: { kind: 'error', status: 503, code: 'ServiceUnavailable' }, match: isPut }], { retries: { attempts: 3, baseMs: 1, maxMs: 2 } });
    try {
      await assert.rejects(setup.client.putObject(BUCKET, 'retry/b', Buffer.from('abc')), (error: CosError) => error.code === 'ServiceUnavailable' && error.retry === 'retry');
      assert.equal(setup.proxy.injected.error, 3);
    } finally {
      await setup.close();
    }
  });

  it('does not retry 4xx errors', async () => {
    const setup = await proxied([{ fault: { kind: 'error', status: 400, code: 'InvalidArgument' }, match: isPut }]);
    try {
      await assert.rejects(setup.client.putObject(BUCKET, 'retry/c', Buffer.from('abc')), { code: 'InvalidArgument', retry: 'fatal' });
      assert.equal(setup.proxy.injected.error, 1);
    } finally {
      await setup.close();
    }
  });

  it('re-sends a re-readable body after a connection reset mid-body', async () => {
    const setup = await proxied([{ fault: { kind: 'resetRequest', afterBytes: 64 * 1024 }, times: 1, match: isPut }]);
    const folder = await tempFolder();
    try {
      const { file, data } = await randomFile(folder.dir, 'reset.bin', 2 * MiB);
      const result = await setup.client.putObject(BUCKET, 'retry/reset', file);
      assert.equal(result.crc64, crc64(data).toString());
      assert.equal(setup.proxy.injected.resetRequest, 1);
      assert.equal(setup.fake.buckets.get(BUCKET)!.objects.get('retry/reset')!.crc64, result.crc64);
    } finally {
      await setup.close();
      await folder.remove();
    }
  });

  it('never re-sends a one-shot stream', async () => {
    const setup = await proxied([{ fault: { kind: 'resetRequest', afterBytes: 1 }, times: 1, match: isPut }]);
    try {
      const data = Buffer.alloc(512 * 1024, 7);
      await assert.rejects(setup.client.putObject(BUCKET, 'retry/stream', { stream: Readable.from([data]), length: data.length }), (error: CosSyncError) => error.retry === 'retry');
      assert.equal(setup.fake.requests.filter((request) => request.method === 'PUT').length, 0);
    } finally {
      await setup.close();
    }
  });

  it('accepts a Complete whose response was lost after the server completed it', async () => {
    const isComplete = (request: { method?: string }, url: URL): boolean => request.method === 'POST' && url.search.includes('uploadId');
    const setup = await proxied([{ fault: { kind: 'resetResponse', afterBytes: 0 }, times: 1, match: isComplete }]);
    const folder = await tempFolder();
    try {
      const { file, data } = await randomFile(folder.dir, 'lost.bin', 3 * MiB);
      const result = await setup.client.uploadFile(BUCKET, 'retry/lost-complete', file, { multipartThreshold: MiB, partSize: MiB });
      assert.equal(result.crc64, crc64(data).toString());
      assert.equal(setup.proxy.injected.resetResponse, 1);
      assert.equal(setup.fake.requests.filter((request) => request.method === 'POST' && request.query.uploadId).length, 2);
    } finally {
      await setup.close();
      await folder.remove();
    }
  });

  it('retries a 200 copy response whose body is <Error>', async () => {
    const isCopy = (request: { headers: Record<string, unknown> }): boolean => 'x-cos-copy-source' in request.headers;
    const setup = await proxied([{ fault: { kind: 'error', status: 200, code: 'InternalError' }, times: 1, match: isCopy }]);
    try {
      await setup.client.putObject(BUCKET, 'copy/src', Buffer.from('x'));
      await setup.client.copyObject(BUCKET, 'copy/dst', { key: 'copy/src' });
      assert.equal(setup.proxy.injected.error, 1);
      setup.proxy.rules.push({ fault: { kind: 'error', status: 200, code: 'InvalidArgument' }, match: isCopy });
      await assert.rejects(setup.client.copyObject(BUCKET, 'copy/dst', { key: 'copy/src' }), { code: 'InvalidArgument' });
    } finally {
      await setup.close();
    }
  });
});

describe('timeouts, cancellation and reachability', () => {
  it('times out a stalled server and reports a retry-class Timeout', async () => {
    const setup = await proxied([{ fault: { kind: 'stall' } }], { timeouts: { headers: 150 }, retries: { attempts: 2, baseMs: 1, maxMs: 2 } });
    try {
      const started = Date.now();
      await assert.rejects(setup.client.headObject(BUCKET, 'slow'), { code: 'Timeout', retry: 'retry' });
      // Two 150 ms header timeouts; without them the stalled proxy would hold the request until the test's own limit.
      assert.ok(Date.now() - started < 60_000);
      assert.equal(setup.proxy.injected.stall, 2);
    } finally {
      await setup.close();
    }
  });

  it('cancels an in-flight request through its AbortSignal', async () => {
    const setup = await proxied([{ fault: { kind: 'stall' } }]);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(setup.client.headObject(BUCKET, 'slow', { signal: controller.signal }), { code: 'Cancelled', retry: 'cancelled' });
    } finally {
      await setup.close();
    }
  });

  it('reports a refused connection as offline', async () => {
    const fake = await startFakeCos();
    await fake.close();
    const client = clientFor(fake.endpoint, fake.credentials, { retries: { attempts: 2, baseMs: 1, maxMs: 2 } });
    try {
      await assert.rejects(client.headBucket(BUCKET), { code: 'Offline', retry: 'offline' });
    } finally {
      await client.close();
    }
  });
});

describe('integrity and encryption checks', () => {
  it('fails with SseNotConfirmed when the SSE echo is missing', async () => {
    const setup = await proxied([{ fault: { kind: 'stripSse' }, match: isPut }]);
    try {
      await assert.rejects(setup.client.putObject(BUCKET, 'sse/a', Buffer.from('x')), (error: CosSyncError) => {
        assert.equal(error.code, 'SseNotConfirmed');
        assert.equal(error.retry, 'fatal');
        assert.match(error.hint ?? '', /did not encrypt/);
        return true;
      });
    } finally {
      await setup.close();
    }
  });

  it('fails with Crc64Mismatch when the returned CRC differs (PUT, part and whole object)', async () => {
    const setup = await proxied([{ fault: { kind: 'corruptCrc' }, times: 1, match: isPut }]);
    const folder = await tempFolder();
    try {
      await assert.rejects(setup.client.putObject(BUCKET, 'crc/a', Buffer.from('x')), { code: 'Crc64Mismatch', retry: 'retry' });
      const { file } = await randomFile(folder.dir, 'crc.bin', 3 * MiB);
      setup.proxy.rules.push({ fault: { kind: 'corruptCrc' }, times: 1, match: (request, url) => request.method === 'PUT' && url.search.includes('partNumber=2') });
      await assert.rejects(setup.client.uploadFile(BUCKET, 'crc/parts', file, { multipartThreshold: MiB, partSize: MiB }), { code: 'Crc64Mismatch' });
      setup.proxy.rules.push({ fault: { kind: 'corruptCrc' }, times: 1, match: (request, url) => request.method === 'POST' && url.search.includes('uploadId') });
      await assert.rejects(setup.client.uploadFile(BUCKET, 'crc/whole', file, { multipartThreshold: MiB, partSize: MiB }), { code: 'Crc64Mismatch' });
    } finally {
      await setup.close();
      await folder.remove();
    }
  });
});

describe('clock skew', () => {
  for (const [label, offset] of [['ahead', 2 * 3600_000], ['behind', -2 * 3600_000]] as const) {
    it(`corrects the signing clock from the server Date when the server is ${label}`, async () => {
      const fake = await startFakeCos({ now: () => Date.now() + offset });
      const client = clientFor(fake.endpoint, fake.credentials);
      try {
        await client.putObject(BUCKET, 'skew', Buffer.from('x'));
        assert.ok(Math.abs(client.transport.clockOffsetMs - offset) < 5000);
        assert.equal(fake.requests.length, 2);
        await client.headObject(BUCKET, 'skew');
        assert.equal(fake.requests.length, 3);
      } finally {
        await client.close();
        await fake.close();
      }
    });
  }
});

describe('host styles and secrets', () => {
  it('sends the virtual host by default and the endpoint host with path-style', async () => {
    const fake = await startFakeCos();
    const virtual = clientFor(fake.endpoint, fake.credentials);
    const pathStyle = clientFor(fake.endpoint, fake.credentials, { pathStyle: true });
    try {
      await virtual.putObject(BUCKET, 'dir/v key', Buffer.from('v'));
      await pathStyle.putObject(BUCKET, 'dir/p key', Buffer.from('p'));
      const [first, second] = fake.requests;
      assert.equal(first!.headers.host, `${BUCKET}.cos.ap-guangzhou.myqcloud.com`);
      assert.equal(second!.headers.host, new URL(fake.endpoint).host);
      assert.equal(second!.key, 'dir/p key');
      assert.deepEqual((await pathStyle.listObjects(BUCKET, { prefix: 'dir/' })).contents.map((entry) => entry.key), ['dir/p key', 'dir/v key']);
    } finally {
      await virtual.close();
      await pathStyle.close();
      await fake.close();
    }
  });

  it('asks a credentials provider on every attempt and sends the security token unsigned', async () => {
    const fake = await startFakeCos();
    let calls = 0;
    const client = clientFor(fake.endpoint, fake.credentials, { credentials: () => ({ ...fake.credentials, securityToken: `token-${++calls}` }) });
    try {
      await client.putObject(BUCKET, 'token', Buffer.from('x'));
      await client.headObject(BUCKET, 'token');
      assert.equal(calls, 2);
      assert.deepEqual(fake.requests.map((request) => request.headers['x-cos-security-token']), ['token-1', 'token-2']);
      assert.doesNotMatch(String(fake.requests[0]!.headers.authorization), /security-token/);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('maps a wrong key to an auth error that contains no secret or signature', async () => {
    const fake = await startFakeCos();
    const client = clientFor(fake.endpoint, { secretId: fake.credentials.secretId, secretKey: 'wrong-secret-key-value-123456789' });
    try {
      const error = await client.putObject(BUCKET, 'x', Buffer.from('x')).catch((caught: unknown) => caught);
      assert.ok(error instanceof CosError);
      assert.equal(error.code, 'SignatureDoesNotMatch');
      assert.equal(error.retry, 'auth');
      const text = inspect(error, { depth: 10 }) + JSON.stringify(error);
      assert.doesNotMatch(text, /wrong-secret-key-value|q-signature|authorization/i);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
