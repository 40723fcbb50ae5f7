/** kill -9 of the engine child during a large PUT, a multipart Complete and a rewrap sweep: after restart nothing partial is visible and the index is consistent. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { assertStoreConsistent } from './assertStoreConsistent.ts';
import { cosRequest, header, type CosTarget } from './cosRequest.ts';
import { queryIndex } from './engineStorage.ts';
import { listKeys } from './listKeys.ts';
import { completeMultipart, prepareMultipart } from './multipartUpload.ts';
import { CLI_BIN, runCli, spawnEngine, type EngineChild } from './spawnEngine.ts';
import { makeTempDir } from './startTestEngine.ts';

const MiB = 1024 * 1024;
const SSE_HEADERS = { 'x-cos-server-side-encryption': 'AES256' };

const children: EngineChild[] = [];
const dirs: string[] = [];

async function start(dataDir: string): Promise<EngineChild> {
  const child = await spawnEngine(dataDir);
  children.push(child);
  return child;
}

async function put(target: CosTarget, key: string, body: Buffer): Promise<void> {
  const response = await cosRequest(target, { method: 'PUT', key, body, headers: SSE_HEADERS });
  assert.equal(response.status, 200, `PUT ${key}: ${response.body.toString()}`);
}

/** Every expected object is listed with its size, HEAD agrees, GET returns all of it; nothing else is listed. */
async function assertExactly(target: CosTarget, expected: Map<string, Buffer>, prefix = ''): Promise<void> {
  const listed = await listKeys(target, prefix);
  assert.deepEqual([...listed.keys()].sort(), [...expected.keys()].sort(), 'the listing shows exactly the complete objects');
  for (const [key, content] of expected) {
    assert.equal(listed.get(key), content.length, `listed size of ${key}`);
    const head = await cosRequest(target, { method: 'HEAD', key });
    assert.equal(head.status, 200, `HEAD ${key}`);
    assert.equal(header(head, 'content-length'), String(content.length), `HEAD size of ${key}`);
    const got = await cosRequest(target, { method: 'GET', key });
    assert.equal(got.status, 200, `GET ${key}`);
    assert.ok(got.body.equals(content), `GET ${key} returns its full original content`);
  }
}

/** Bytes currently in DATA/tmp (the engine streams request bodies there). */
function tmpBytes(dataDir: string): number {
  try {
    return readdirSync(path.join(dataDir, 'tmp')).reduce((sum, name) => sum + statSync(path.join(dataDir, 'tmp', name)).size, 0);
  } catch {
    return 0;
  }
}

/** Starts a signed PUT of `total` bytes, written `chunk` by `chunk` with backpressure; `done` settles with the status or the transport error. */
function startStreamingPut(target: CosTarget, key: string, chunk: Buffer, total: number): { done: Promise<unknown> } {
  const headers: Record<string, string> = { host: `${target.bucket}.cos.${target.region}.myqcloud.com`, 'content-length': String(total), ...SSE_HEADERS };
  headers.authorization = signCos({ method: 'PUT', pathname: `/${key}`, query: [], headers }, target, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
  const req = httpRequest({ host: '127.0.0.1', port: target.port, method: 'PUT', path: `/${key}`, headers, agent: false });
  const done = new Promise((resolve) => {
    req.on('error', resolve);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', resolve);
    });
  });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      if (!req.write(piece)) {
        req.once('drain', pump);
        return;
      }
    }
    req.end();
  };
  pump();
  return { done };
}

describe('engine crash safety (kill -9)', () => {
  after(async () => {
    for (const child of children) await child.kill9();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 during a large PUT: the old version stays whole, the partial body is swept', async () => {
    const dataDir = await makeTempDir('crash-put');
    dirs.push(dataDir);
    let engine = await start(dataDir);
    const expected = new Map<string, Buffer>([['kept/small.bin', randomBytes(100_000)], ['kept/big.bin', randomBytes(3 * MiB + 17)]]);
    for (const [key, content] of expected) await put(engine.target, key, content);

    // Overwrite kept/big.bin with a 64 MiB body, and a new key with another; kill once the server has part of it on disk.
    const chunk = randomBytes(MiB);
    const overwrite = startStreamingPut(engine.target, 'kept/big.bin', chunk, 64 * MiB);
    const fresh = startStreamingPut(engine.target, 'new/partial.bin', chunk, 64 * MiB);
    const deadline = Date.now() + 20_000;
    while (tmpBytes(dataDir) < 8 * MiB && Date.now() < deadline) await sleep(5);
    assert.ok(tmpBytes(dataDir) >= 8 * MiB, 'the engine was receiving the body into DATA/tmp when killed');
    const plaintextInTmp = readdirSync(path.join(dataDir, 'tmp')).filter((name) => readFileSync(path.join(dataDir, 'tmp', name)).includes(chunk.subarray(0, 64)));
    assert.deepEqual(plaintextInTmp, [], 'bodies being received are encrypted before they reach the disk');
    await engine.kill9();
    await Promise.all([overwrite.done, fresh.done]);

    engine = await start(dataDir);
    assertStoreConsistent(dataDir);
    await assertExactly(engine.target, expected);
    await engine.stop();
  });

  it('kill -9 during Complete Multipart Upload: the object is either whole or absent, never partial', async () => {
    const dataDir = await makeTempDir('crash-complete');
    dirs.push(dataDir);
    let engine = await start(dataDir);
    const outcomes: string[] = [];
    // Several attempts with growing delays between sending Complete and the kill, to land inside the commit.
    for (const [attempt, delayMs] of [0, 1, 3, 8, 20].entries()) {
      const key = `multipart/object-${attempt}.bin`;
      const parts = Array.from({ length: 6 }, (_, index) => randomBytes(index === 5 ? 700_000 : 1 * MiB));
      const content = Buffer.concat(parts);
      const upload = await prepareMultipart(engine.target, key, parts, SSE_HEADERS);
      const completing = completeMultipart(engine.target, key, upload, 10_000);
      await sleep(delayMs);
      await engine.kill9();
      const answer = await completing;
      engine = await start(dataDir);
      assertStoreConsistent(dataDir);
      const listed = await listKeys(engine.target, key);
      if (listed.has(key)) {
        outcomes.push('whole');
        await assertExactly(engine.target, new Map([[key, content]]), key);
      } else {
        outcomes.push(`absent (client saw status ${answer.status})`);
        const acknowledged = answer.status === 200 && !/<Error>/.test(answer.body.toString());
        assert.ok(!acknowledged, 'an acknowledged Complete must survive the crash');
        const head = await cosRequest(engine.target, { method: 'HEAD', key });
        assert.equal(head.status, 404);
        // The upload itself may still be completed after the crash; if it was lost entirely that is acceptable too.
        const retry = await completeMultipart(engine.target, key, upload);
        if (retry.status === 200 && !/<Error>/.test(retry.body.toString())) {
          outcomes[outcomes.length - 1] += ', Complete retried after restart: whole';
          await assertExactly(engine.target, new Map([[key, content]]), key);
        } else {
          assert.equal(retry.status, 404, `retrying Complete after the crash: ${retry.body.toString()}`);
          outcomes[outcomes.length - 1] += ', upload gone (404)';
        }
      }
    }
    assertStoreConsistent(dataDir);
    await engine.stop();
    console.log(`complete-crash outcomes: ${outcomes.join(', ')}`);
  });

  it('kill -9 during a rewrap sweep: restart, the sweep resumes to completion and every object reads back', async () => {
    const dataDir = await makeTempDir('crash-rewrap');
    dirs.push(dataDir);
    let engine = await start(dataDir);
    const expected = new Map<string, Buffer>();
    const keys = Array.from({ length: 1500 }, (_, index) => `sweep/${String(index).padStart(5, '0')}.bin`);
    for (let index = 0; index < keys.length; index += 16) {
      await Promise.all(keys.slice(index, index + 16).map(async (key) => {
        const content = randomBytes(1000 + (key.length % 7) * 100);
        expected.set(key, content);
        await put(engine.target, key, content);
      }));
    }
    await engine.stop();

    const sealedBy = (version: number): number => Number(queryIndex(dataDir, 'SELECT COUNT(*) AS n FROM segments WHERE seal_version = ?', version)[0]!.n);
    // Rotate, run the sweep as a child and kill it once it has rewrapped some but not all objects. A sweep
    // that finished before the poll saw it move (slow machine) is retried after another rotation.
    let old = 0;
    let left = 0;
    for (let attempt = 1; attempt <= 4; attempt++) {
      const rotated = await runCli(['keys', 'rotate', '--data', dataDir]);
      assert.equal(rotated.code, 0, `keys rotate: ${rotated.stderr}`);
      old = attempt;
      assert.equal(sealedBy(old), keys.length);
      const sweep = spawn(process.execPath, [CLI_BIN, 'keys', 'rewrap', '--data', dataDir], { stdio: 'ignore' });
      const sweepExit = new Promise((resolve) => sweep.once('exit', resolve));
      const deadline = Date.now() + 30_000;
      left = keys.length;
      while (left === keys.length && Date.now() < deadline && sweep.exitCode === null) {
        await sleep(1);
        try {
          left = sealedBy(old);
        } catch {
          // the sweep holds a write lock for a moment
        }
      }
      sweep.kill('SIGKILL');
      await sweepExit;
      left = sealedBy(old);
      console.log(`rewrap attempt ${attempt}: killed with ${left} of ${keys.length} objects still sealed by version ${old}`);
      if (left > 0 && left < keys.length) break;
    }
    assert.ok(left > 0 && left < keys.length, 'the sweep was killed part-way');

    // Resume with the CLI: it re-seals exactly what the killed sweep left.
    const resumed = await runCli(['keys', 'rewrap', '--data', dataDir]);
    assert.equal(resumed.code, 0, `keys rewrap (resumed): ${resumed.stderr}`);
    assert.match(resumed.stdout, new RegExp(`Re-sealed ${left} data key\\(s\\); 0 failed; 0 still sealed`), resumed.stdout);
    assert.equal(sealedBy(old), 0, `after the resumed sweep no object is sealed by version ${old}`);
    assert.equal(sealedBy(old + 1), keys.length);
    const retired = await runCli(['keys', 'retire', String(old), '--data', dataDir]);
    assert.equal(retired.code, 0, `keys retire ${old} after the sweep: ${retired.stderr}`);

    engine = await start(dataDir);
    assertStoreConsistent(dataDir);
    await assertExactly(engine.target, expected, 'sweep/');
    await engine.stop();
  });
});
