/** Issue 14: `cos-sync keys` beside a running engine (its admin channel) while uploads stream in; interrupt and rerun; the channel is private. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AdminClient } from '../../core/engine/admin/adminClient.ts';
import { readAdminAddress } from '../../core/engine/admin/adminFile.ts';
import { cosRequest, type CosTarget } from './cosRequest.ts';
import { CLI_BIN, runCli, spawnEngine } from './spawnEngine.ts';
import { makeTempDir, startTestEngine } from './startTestEngine.ts';

const SSE = { 'x-cos-server-side-encryption': 'AES256' };

async function putAll(target: CosTarget, stored: Map<string, Buffer>, prefix: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - index) }, async (_, offset) => {
      const key = `${prefix}/${index + offset}`;
      const body = randomBytes(500 + ((index + offset) % 13) * 97);
      const answer = await cosRequest(target, { method: 'PUT', key, body, headers: SSE });
      assert.equal(answer.status, 200, answer.body.toString());
      stored.set(key, body);
    }));
  }
}

/** Four writers that PUT new objects until stopped; only acknowledged (200) writes are recorded. */
function uploadStream(target: CosTarget, stored: Map<string, Buffer>): { acknowledged(): number; errors: string[]; stop(): Promise<void> } {
  const state = { running: true };
  let count = 0;
  const errors: string[] = [];
  const writer = async (id: number): Promise<void> => {
    for (let sequence = 0; state.running; sequence++) {
      const key = `stream/${id}/${sequence}`;
      const body = randomBytes(2000 + (sequence % 7) * 1000);
      const answer = await cosRequest(target, { method: 'PUT', key, body, headers: SSE });
      if (answer.status === 200) {
        stored.set(key, body);
        count++;
      } else errors.push(`${key}: ${answer.status} ${answer.body.toString().slice(0, 200)}`);
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  return {
    acknowledged: () => count,
    errors,
    async stop() {
      state.running = false;
      await Promise.all(writers);
    },
  };
}

async function assertReadable(target: CosTarget, stored: Map<string, Buffer>, when: string): Promise<void> {
  const keys = [...stored.keys()];
  for (let index = 0; index < keys.length; index += 16) {
    await Promise.all(keys.slice(index, index + 16).map(async (key) => {
      const answer = await cosRequest(target, { method: 'GET', key });
      assert.equal(answer.status, 200, `${when}: GET ${key}: ${answer.body.toString().slice(0, 200)}`);
      assert.ok(answer.body.equals(stored.get(key)!), `${when}: ${key} reads back intact`);
    }));
  }
}

function statusRows(stdout: string): { version: number; state: string; objects: number }[] {
  return stdout.trim().split('\n').map((line) => /^sse-cos\s+v(\d+)\s+(\w+)\s+\S+\s+(\d+) objects/.exec(line)).filter((match) => match !== null)
    .map((match) => ({ version: Number(match[1]), state: match[2]!, objects: Number(match[3]) }));
}

describe('key operations beside a running engine', () => {
  test('rotate and rewrap through the CLI while uploads stream in; every object reads back, live and after a restart', async (t) => {
    const started = Date.now();
    const mark = (what: string): void => t.diagnostic(`${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const dataDir = await makeTempDir('live-keys');
    let engine = await spawnEngine(dataDir);
    let stream: ReturnType<typeof uploadStream> | undefined;
    try {
      const stored = new Map<string, Buffer>();
      await putAll(engine.target, stored, 'seed', 150);
      mark('seeded');
      stream = uploadStream(engine.target, stored);
      const before = await runCli(['keys', 'status', '--data', dataDir]);
      assert.equal(before.code, 0, before.stderr);
      assert.equal(statusRows(before.stdout)[0]?.state, 'active');
      assert.ok(statusRows(before.stdout)[0]!.objects >= 150, before.stdout);

      const rotated = await runCli(['keys', 'rotate', '--data', dataDir]);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.match(rotated.stdout, /version 2 is now active/);
      const acknowledgedBefore = stream.acknowledged();
      const rewrapped = await runCli(['keys', 'rewrap', '--data', dataDir, '--batch-size', '10']);
      const acknowledgedDuring = stream.acknowledged() - acknowledgedBefore;
      assert.equal(rewrapped.code, 0, rewrapped.stderr);
      const done = /Re-sealed (\d+) data key\(s\); 0 failed; 0 still sealed by older versions\./.exec(rewrapped.stdout);
      assert.ok(done && Number(done[1]) >= 150, rewrapped.stdout);
      assert.match(rewrapped.stderr, /progress [\d,]+\/[\d,]+ +\d+% +[\d,]+ keys\/s +ETA \S+/, 'the sweep shows keys/s and an ETA');
      assert.ok(acknowledgedDuring > 0, 'uploads went on while the CLI rotated and rewrapped');
      await stream.stop();
      mark(`rotated and rewrapped; ${stored.size} objects`);
      assert.deepEqual(stream.errors, [], 'no upload failed');

      await assertReadable(engine.target, stored, 'live, after the rewrap');
      mark('read back');
      const after = statusRows((await runCli(['keys', 'status', '--data', dataDir])).stdout);
      assert.deepEqual(after.map((row) => [row.version, row.state, row.objects]), [[1, 'retired', 0], [2, 'active', stored.size]]);
      const retired = await runCli(['keys', 'retire', '1', '--data', dataDir]);
      assert.equal(retired.code, 0, retired.stderr);

      await engine.stop();
      assert.equal(await engine.exited, 0);
      const offline = await runCli(['keys', 'status', '--data', dataDir]);
      assert.equal(offline.code, 0, offline.stderr);
      assert.deepEqual(statusRows(offline.stdout).map((row) => row.version), [2], 'the stopped engine is opened directly');
      engine = await spawnEngine(dataDir);
      await assertReadable(engine.target, stored, 'after a restart');
    } finally {
      // A failed assertion must not leave the writers looping against a stopped engine (the test would never end).
      await stream?.stop();
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C stops a running rewrap after its batch; running it again finishes the rest', async () => {
    const dataDir = await makeTempDir('live-keys-interrupt');
    const engine = await spawnEngine(dataDir);
    try {
      const stored = new Map<string, Buffer>();
      await putAll(engine.target, stored, 'seed', 150);
      assert.equal((await runCli(['keys', 'rotate', '--data', dataDir])).code, 0);
      const child = spawn(process.execPath, [CLI_BIN, 'keys', 'rewrap', '--data', dataDir, '--batch-size', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      let interrupted = false;
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
        if (!interrupted && stderr.includes('progress ')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal)));
      assert.equal(code, 130, `${stdout}\n${stderr}`);
      assert.match(stderr, /Interrupted\. .*run `cos-sync keys rewrap --data .*` again/);
      const left = Number(/; (\d+) still sealed/.exec(stdout)?.[1]);
      assert.ok(left > 0, `the interrupted sweep left work: ${stdout}`);
      const rerun = await runCli(['keys', 'rewrap', '--data', dataDir]);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, /; 0 failed; 0 still sealed/);
      await assertReadable(engine.target, stored, 'after the interrupted and the finished sweep');
    } finally {
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('--rotate-every rotates a running engine when the active key reaches that age, and re-seals older data keys', async () => {
    const dataDir = await makeTempDir('rotate-every');
    // 0.00003 days is 2.6 s.
    const engine = await spawnEngine(dataDir, 30_000, ['--rotate-every', '0.00003']);
    try {
      const stored = new Map<string, Buffer>();
      await putAll(engine.target, stored, 'aged', 20);
      let rows: { version: number; state: string; objects: number }[] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        rows = statusRows((await runCli(['keys', 'status', '--data', dataDir])).stdout);
        if (rows.length >= 2 && rows.filter((row) => row.state === 'retired').every((row) => row.objects === 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(rows.length >= 2, `rotated by age: ${JSON.stringify(rows)}`);
      assert.ok(rows.filter((row) => row.state === 'retired').every((row) => row.objects === 0), `older versions drained: ${JSON.stringify(rows)}`);
      await assertReadable(engine.target, stored, 'after rotations by age');
    } finally {
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('the admin channel is private: a 0600 socket and token file in the data dir, a wrong token refused; the loopback variant too', async () => {
    for (const transport of ['socket', 'tcp'] as const) {
      const t = await startTestEngine({ adminChannel: transport });
      try {
        assert.equal((await stat(path.join(t.dataDir, 'admin.json'))).mode & 0o777, 0o600);
        const address = (await readAdminAddress(t.dataDir))!;
        if (transport === 'socket') {
          assert.equal(address.socket, path.join(t.dataDir, 'admin.sock'));
          assert.equal((await stat(address.socket)).mode & 0o777, 0o600);
        } else assert.ok(address.port! > 0 && address.socket === undefined);
        const target = address.socket !== undefined ? { socketPath: address.socket } : { host: '127.0.0.1', port: address.port };
        const refused = await new Promise<number>((resolve, reject) => {
          request({ ...target, method: 'GET', path: '/v1/keys/status', headers: { authorization: 'Bearer not-the-token' } }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          }).on('error', reject).end();
        });
        assert.equal(refused, 401);
        const client = new AdminClient(address);
        assert.deepEqual((await client.status()).map((row) => row.version), [1]);
        assert.deepEqual(await client.rotate(), { keyId: 'sse-cos', version: 2 });
        await assert.rejects(client.retire(2), { code: 'KeyInUse' });
        assert.equal((await t.engine.keys.status()).find((row) => row.state === 'active')?.version, 2, 'the engine itself rotated');
        const file = path.join(t.dataDir, 'admin.json');
        assert.ok(JSON.parse(await readFile(file, 'utf8')).token);
        await t.close({ keepData: true });
        await assert.rejects(stat(file), { code: 'ENOENT' }, 'admin.json is removed on close');
      } finally {
        await t.close();
      }
    }
  });
});
