/** Master key rotation through the engine handle and the `cos-sync keys` CLI: old and new objects read back, rewrap drains old versions, retire only when drained. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { cosRequest, header } from './cosRequest.ts';
import { queryIndex } from './engineStorage.ts';
import { completeMultipart, multipartUpload, prepareMultipart } from './multipartUpload.ts';
import { runCli } from './spawnEngine.ts';
import { makeTempDir, startTestEngine, type TestEngine } from './startTestEngine.ts';

const SSE_HEADERS = { 'x-cos-server-side-encryption': 'AES256' };
const MiB = 1024 * 1024;

/** One row of `cos-sync keys status` for the SSE-COS master key. */
interface StatusLine {
  version: number;
  state: string;
  objects: number;
  parts: number;
}

function parseStatus(stdout: string): StatusLine[] {
  return [...stdout.matchAll(/^sse-cos\s+v(\d+)\s+(active|retired)\s+\S+\s+(\d+) objects\s+(\d+) parts\s*$/gm)].map((match) => ({
    version: Number(match[1]), state: match[2]!, objects: Number(match[3]), parts: Number(match[4]),
  }));
}

/** The SSE-COS rows of the handle's status: version → {state, objects, parts}. */
async function handleStatus(engine: TestEngine): Promise<StatusLine[]> {
  return (await engine.engine.keys.status()).filter((row) => row.keyId === 'sse-cos').map((row) => ({ version: row.version, state: row.state, objects: row.objects, parts: row.parts }));
}

describe('master key rotation and rewrap', () => {
  let engine: TestEngine | undefined;
  let dataDir: string | undefined;

  after(async () => {
    await engine?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('objects before and after rotate (handle and CLI) read back; rewrap drains old versions; retire is refused until then', async () => {
    dataDir = await makeTempDir('rotation');
    engine = await startTestEngine({ dataDir, backgroundRewrap: false });
    const objects = new Map<string, Buffer>();
    const put = async (key: string, body: Buffer, headers: Record<string, string> = SSE_HEADERS): Promise<void> => {
      const response = await cosRequest(engine!.target, { method: 'PUT', key, body, headers });
      assert.equal(response.status, 200, `PUT ${key}: ${response.body.toString()}`);
      objects.set(key, body);
    };
    const readAll = async (when: string): Promise<void> => {
      for (const [key, content] of objects) {
        const got = await cosRequest(engine!.target, { method: 'GET', key });
        assert.equal(got.status, 200, `${when}: GET ${key}: ${got.body.toString().slice(0, 300)}`);
        assert.ok(got.body.equals(content), `${when}: ${key} reads back`);
      }
    };
    const sealVersions = (prefix: string): number[] =>
      queryIndex(dataDir!, 'SELECT DISTINCT seal_version FROM segments WHERE key LIKE ? ORDER BY seal_version', `${prefix}%`).map((row) => Number(row.seal_version));

    // Version 1: three simple objects, one multipart object, one plain object (no sealed key at all).
    for (const name of ['a1', 'a2', 'a3']) await put(`v1/${name}`, randomBytes(90_000));
    const parts = [randomBytes(MiB), randomBytes(200_000)];
    await multipartUpload(engine.target, 'v1/multipart', parts, SSE_HEADERS);
    objects.set('v1/multipart', Buffer.concat(parts));
    await put('plain/p1', randomBytes(5000), {});
    // An upload left open across rotations: part 1 under v1, part 2 under v2, completed after v1 is retired.
    const openParts = [randomBytes(MiB), randomBytes(1000)];
    const open = await prepareMultipart(engine.target, 'open/upload', openParts.slice(0, 1), SSE_HEADERS);
    assert.deepEqual(sealVersions('v1/'), [1]);
    assert.deepEqual(await handleStatus(engine), [{ version: 1, state: 'active', objects: 4, parts: 1 }]);

    // Rotate through the handle: new writes use v2 at once.
    assert.equal((await engine.engine.keys.rotate()).version, 2);
    for (const name of ['b1', 'b2']) await put(`v2/${name}`, randomBytes(70_000));
    const part2 = await cosRequest(engine.target, { method: 'PUT', key: 'open/upload', query: [['partNumber', '2'], ['uploadId', open.uploadId]], body: openParts[1]! });
    assert.equal(part2.status, 200);
    open.etags.push(header(part2, 'etag') ?? '');
    assert.deepEqual(sealVersions('v2/'), [2]);
    assert.deepEqual(await handleStatus(engine), [
      { version: 1, state: 'retired', objects: 4, parts: 1 },
      { version: 2, state: 'active', objects: 2, parts: 1 },
    ]);
    await readAll('after the handle rotate');
    await assert.rejects(engine.engine.keys.retire(1), { code: 'KeyInUse' }, 'v1 still seals objects');
    await assert.rejects(engine.engine.keys.retire(2), { code: 'KeyInUse' }, 'the active version cannot be retired');

    // Beside the running engine the CLI asks the engine itself (its admin channel); stopped, it opens the data directly.
    const live = await runCli(['keys', 'status', '--data', dataDir]);
    assert.equal(live.code, 0, live.stderr);
    assert.deepEqual(parseStatus(live.stdout), await handleStatus(engine), 'the CLI sees what the engine sees');
    await engine.close({ keepData: true });
    const status = await runCli(['keys', 'status', '--data', dataDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(parseStatus(status.stdout), [
      { version: 1, state: 'retired', objects: 4, parts: 1 },
      { version: 2, state: 'active', objects: 2, parts: 1 },
    ], `keys status output:\n${status.stdout}`);
    const early = await runCli(['keys', 'retire', '1', '--data', dataDir]);
    assert.notEqual(early.code, 0, 'retiring v1 before the rewrap is refused');
    assert.match(early.stderr, /still seals|KeyInUse/);
    const rotated = await runCli(['keys', 'rotate', '--data', dataDir]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /version 3 is now active/);

    engine = await startTestEngine({ dataDir, backgroundRewrap: false });
    await put('v3/c1', randomBytes(100_000));
    assert.deepEqual(sealVersions('v3/'), [3]);
    await readAll('after the CLI rotate and restart');

    // Rewrap through the handle: nothing is left on v1 or v2.
    const result = await engine.engine.keys.rewrap();
    assert.equal(result.failed, 0);
    assert.equal(result.remaining, 0);
    assert.equal(result.rewrapped, 4 + 1 + 2 + 1 + 1, 'v1 segments (3 simple + 2 parts of one object + 1 open part) and v2 segments (2 + 1 open part)');
    assert.deepEqual(await handleStatus(engine), [
      { version: 1, state: 'retired', objects: 0, parts: 0 },
      { version: 2, state: 'retired', objects: 0, parts: 0 },
      { version: 3, state: 'active', objects: 7, parts: 2 },
    ]);
    await readAll('after the rewrap');
    await engine.engine.keys.retire(1);
    const done = await completeMultipart(engine.target, 'open/upload', open);
    assert.equal(done.status, 200, done.body.toString());
    objects.set('open/upload', Buffer.concat(openParts));
    await readAll('after retiring v1');
    await engine.close({ keepData: true });

    // The CLI retires v2 on the stopped engine; the keyring keeps only v3 and every object still reads after a restart.
    const retired = await runCli(['keys', 'retire', '2', '--data', dataDir]);
    assert.equal(retired.code, 0, retired.stderr);
    const final = await runCli(['keys', 'status', '--data', dataDir]);
    assert.deepEqual(parseStatus(final.stdout), [{ version: 3, state: 'active', objects: 8, parts: 0 }], final.stdout);
    engine = await startTestEngine({ dataDir, backgroundRewrap: false });
    await readAll('after retiring v1 and v2 and restarting');
    assert.equal(header(await cosRequest(engine.target, { method: 'HEAD', key: 'v1/a1' }), 'x-cos-server-side-encryption'), 'AES256');
    assert.equal(header(await cosRequest(engine.target, { method: 'HEAD', key: 'plain/p1' }), 'x-cos-server-side-encryption'), undefined);
    await engine.close();
    engine = undefined;
    dataDir = undefined;
  });

  it('a PUT sealed before a rotation and still in flight keeps its version from being retired', async () => {
    await engine?.close();
    engine = await startTestEngine({ backgroundRewrap: false });
    const target = engine.target;
    const content = randomBytes(4 * MiB);
    const headers: Record<string, string> = { host: `${target.bucket}.cos.${target.region}.myqcloud.com`, 'content-length': String(content.length), ...SSE_HEADERS };
    headers.authorization = signCos({ method: 'PUT', pathname: '/slow/put.bin', query: [], headers }, target, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const req = httpRequest({ host: '127.0.0.1', port: target.port, method: 'PUT', path: '/slow/put.bin', headers, agent: false });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    // Send half the body, then wait until the engine is writing it (its data key is sealed by v1 by then).
    req.write(content.subarray(0, 2 * MiB));
    const tmp = path.join(engine.dataDir, 'tmp');
    for (let waited = 0; waited < 10_000 && readdirSync(tmp).length === 0; waited += 10) await sleep(10);
    assert.ok(readdirSync(tmp).length > 0, 'the PUT is being written');

    assert.equal((await engine.engine.keys.rotate()).version, 2);
    const sweep = await engine.engine.keys.rewrap();
    assert.equal(sweep.remaining, 0, 'nothing committed is left on v1');
    await assert.rejects(engine.engine.keys.retire(1), { code: 'KeyInUse' }, 'v1 seals a write that has not committed yet');

    req.end(content.subarray(2 * MiB));
    assert.equal(await answered, 200);
    const got = await cosRequest(target, { method: 'GET', key: 'slow/put.bin' });
    assert.ok(got.body.equals(content), 'the in-flight object reads back');
    assert.deepEqual(await handleStatus(engine), [
      { version: 1, state: 'retired', objects: 1, parts: 0 },
      { version: 2, state: 'active', objects: 0, parts: 0 },
    ]);
    assert.equal((await engine.engine.keys.rewrap()).rewrapped, 1);
    await engine.engine.keys.retire(1);
    assert.ok((await cosRequest(target, { method: 'GET', key: 'slow/put.bin' })).body.equals(content), 'and still does after v1 is gone');
  });
});
