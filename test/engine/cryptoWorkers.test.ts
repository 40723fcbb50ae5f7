/** The engine's crypto workers: same stored format as the main-thread path both ways, tamper detection, and a worker crash fails only its request. */
import assert from 'node:assert/strict';
import { until } from '../until.ts';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { crc64 } from '../../core/protocol/crc64.ts';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { TestEngine } from './engineClient.ts';

const MiB = 1024 * 1024;
const SSE = { 'x-cos-server-side-encryption': 'AES256' };

/** Headers of a COS-signed request to `t` for `key`. */
function signed(t: TestEngine, method: string, key: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers = { host: `${t.bucket}.cos.${t.engine.region}.myqcloud.com`, ...extra };
  return { ...headers, authorization: signCos({ method, pathname: `/${key}`, query: [], headers }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 }) };
}

/** Files in the engine's tmp/ (a PUT in progress writes its blob there). */
async function tmpFiles(t: TestEngine): Promise<string[]> {
  return readdir(path.join(t.dir, 'tmp')).catch(() => []);
}

/** Makes every crypto worker of `t` throw (an unknown message is a crash in the worker's own code path). */
function crashWorkers(t: TestEngine): void {
  for (const worker of t.engine.cryptoWorkers()) worker.postMessage({ type: 'crash-for-test' }, []);
}

describe('engine crypto workers', () => {
  const engines: TestEngine[] = [];
  after(async () => {
    for (const engine of engines) await engine.close().catch(() => {});
  });
  const start = async (workers: number, dir?: string): Promise<TestEngine> => {
    const t = await TestEngine.start({ cryptoWorkers: workers }, dir);
    engines.push(t);
    return t;
  };

  it('writes and reads the same stored format as the main thread, both ways (SSE and plain, ranges across steps, chunked bodies)', async () => {
    const data = randomBytes(5 * MiB + 12_345);
    const withWorkers = await start(2);
    assert.equal(withWorkers.engine.cryptoWorkers().length, 2);
    const put = await withWorkers.request({ method: 'PUT', key: 'w/sse.bin', body: data, headers: SSE });
    assert.equal(put.status, 200);
    assert.equal(put.headers.etag, `"${createHash('md5').update(data).digest('hex')}"`);
    assert.equal(put.headers['x-cos-hash-crc64ecma'], crc64(data).toString());
    assert.equal((await withWorkers.request({ method: 'PUT', key: 'w/plain.bin', body: data })).status, 200);
    assert.equal((await withWorkers.request({ method: 'PUT', key: 'w/exact.bin', body: data.subarray(0, 2 * MiB), headers: SSE })).status, 200);
    const chunked = await withWorkers.request({ method: 'PUT', key: 'w/chunked.bin', body: data.subarray(0, 3 * MiB + 1), headers: { ...SSE, 'transfer-encoding': 'chunked' } });
    assert.equal(chunked.status, 200);
    const dir = withWorkers.dir;
    await withWorkers.close(true);
    engines.pop();

    // What the workers wrote, read on the main thread; then written on the main thread, read by the workers.
    const mainOnly = await start(0, dir);
    assert.equal(mainOnly.engine.cryptoWorkers().length, 0);
    assert.ok((await mainOnly.request({ key: 'w/sse.bin' })).body.equals(data));
    assert.ok((await mainOnly.request({ key: 'w/plain.bin' })).body.equals(data));
    assert.ok((await mainOnly.request({ key: 'w/exact.bin' })).body.equals(data.subarray(0, 2 * MiB)));
    assert.ok((await mainOnly.request({ key: 'w/chunked.bin' })).body.equals(data.subarray(0, 3 * MiB + 1)));
    assert.equal((await mainOnly.request({ method: 'PUT', key: 'm/sse.bin', body: data, headers: SSE })).status, 200);
    await mainOnly.close(true);
    engines.pop();

    const again = await start(2, dir);
    assert.ok((await again.request({ key: 'm/sse.bin' })).body.equals(data));
    assert.ok((await again.request({ key: 'w/sse.bin' })).body.equals(data));
    for (const [first, last] of [[0, 2 * MiB], [MiB - 5, 3 * MiB + 7], [65_535, 65_536 * 40], [4 * MiB, data.length - 1]] as const) {
      const range = await again.request({ key: 'w/sse.bin', headers: { range: `bytes=${first}-${last}` } });
      assert.equal(range.status, 206);
      assert.ok(range.body.equals(data.subarray(first, last + 1)), `range ${first}-${last}`);
    }
  });

  it('detects a flipped byte in a step the workers open, and still serves the steps before it', async () => {
    const t = await start(2);
    const data = randomBytes(4 * MiB);
    await t.request({ method: 'PUT', key: 'tamper.bin', body: data, headers: SSE });
    const [blob] = (await readdir(path.join(t.dir, 'blobs'), { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    const { open } = await import('node:fs/promises');
    const file = await open(path.join(blob!.parentPath, blob!.name), 'r+');
    const byte = Buffer.alloc(1);
    const at = 16 + 2 * 65_552 * 16 + 100;
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    await file.write(byte, 0, 1, at);
    await file.close();
    const outcome = await t.request({ key: 'tamper.bin' }).then((response) => response.body, (error: unknown) => error as Error);
    if (Buffer.isBuffer(outcome)) assert.ok(outcome.length < data.length && outcome.equals(data.subarray(0, outcome.length)), 'only authentic bytes, never the whole object');
    const head = await t.request({ key: 'tamper.bin', headers: { range: `bytes=0-${2 * MiB - 1}` } });
    assert.ok(head.body.equals(data.subarray(0, 2 * MiB)), 'untouched steps still decrypt');
  });

  it('a worker crash during a PUT fails that request with an XML error; the engine carries on with new workers', async () => {
    const t = await start(2);
    const first = randomBytes(2 * MiB);
    // The rest stays under what the engine drains after an early answer (4 MiB), so the client sees the answer
    // rather than a reset while it is still writing.
    const total = 4 * MiB;
    const crashed: unknown[] = [];
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port: t.engine.port, method: 'PUT', path: '/crash.bin', agent: false,
        headers: signed(t, 'PUT', 'crash.bin', { ...SSE, 'content-length': String(total) }),
      }, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(first);
      void (async () => {
        // The body reached the engine's blob file: its job is on a worker.
        await until(async () => (await tmpFiles(t)).length > 0, 'the PUT to reach the engine');
        crashed.push(...t.engine.cryptoWorkers());
        crashWorkers(t);
        // The engine answers without reading the rest; a broken pipe after that is expected.
        req.on('error', () => {});
        req.write(randomBytes(total - first.length), () => req.end());
      })().catch(reject);
    });
    const answer = await response;
    assert.equal(answer.status, 500);
    assert.match(answer.text, /<Code>InternalError<\/Code>/);
    assert.equal((await t.request({ method: 'HEAD', key: 'crash.bin' })).status, 404, 'nothing was stored');
    await until(async () => (await tmpFiles(t)).length === 0, 'the temp blob to be removed');

    // New workers serve the next requests.
    // Every crashed worker replaced (a crash message still queued behind busy work would otherwise take the next PUT down).
    await until(() => t.engine.cryptoWorkers().every((worker) => !crashed.includes(worker)), 'new workers');
    const data = randomBytes(3 * MiB);
    const afterPut = await t.request({ method: 'PUT', key: 'after.bin', body: data, headers: SSE });
    assert.equal(afterPut.status, 200, afterPut.body.toString());
    assert.ok((await t.request({ key: 'after.bin' })).body.equals(data));
  });

  it('a worker crash during a GET aborts that response only', async () => {
    const t = await start(2);
    const data = randomBytes(24 * MiB);
    assert.equal((await t.request({ method: 'PUT', key: 'big.bin', body: data, headers: SSE })).status, 200);
    const received = await new Promise<number>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: t.engine.port, method: 'GET', path: '/big.bin', agent: false, headers: signed(t, 'GET', 'big.bin') }, (res) => {
        assert.equal(res.statusCode, 200);
        let bytes = 0;
        let crashed = false;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (!crashed) {
            crashed = true;
            // Paused, the engine cannot run more than a few steps ahead of the crash, which reaches each worker
            // before any later step of this response does.
            res.pause();
            crashWorkers(t);
            setImmediate(() => res.resume());
          }
        });
        res.on('end', () => resolve(bytes));
        res.on('error', () => resolve(bytes));
        res.on('aborted', () => resolve(bytes));
      });
      req.on('error', () => resolve(-1));
      req.end();
    });
    assert.ok(received < data.length, `the response was cut short (${received} bytes)`);
    const again = await t.request({ key: 'big.bin' });
    assert.equal(again.status, 200);
    assert.ok(again.body.equals(data));
  });
});
