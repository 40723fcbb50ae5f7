/** `cos-sync engine` and `cos-sync keys` as processes: the ready line, credentials file, SIGTERM, kill -9 mid-upload, key commands. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { signCos } from '../../core/protocol/cosSignature.ts';

const bin = path.resolve('core/cli/bin.js');
const bucket = 'cli-1250000000';

function startCli(dataDir: string): Promise<{ child: ChildProcess; port: number; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'engine', '--data', dataDir, '--port', '0', '--bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /COS engine listening on http:\/\/127\.0\.0\.1:(\d+)\n/.exec(out);
      if (match) resolve({ child, port: Number(match[1]), stdout: () => out, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`engine exited early (${code}): ${err}`)));
  });
}

function credentialsOf(dataDir: string): Promise<{ secretId: string; secretKey: string }> {
  return import(path.join(dataDir, 'credentials.json'), { with: { type: 'json' } }).then((module: { default: { secretId: string; secretKey: string } }) => module.default);
}

function signedPut(port: number, credentials: { secretId: string; secretKey: string }, key: string, length: number, onRequest?: (req: ReturnType<typeof request>) => void): Promise<number> {
  const headers: Record<string, string> = { host: `${bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-length': String(length) };
  headers.authorization = signCos({ method: 'PUT', pathname: `/${key}`, query: [], headers }, credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/${key}`, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    if (onRequest) onRequest(req);
    else req.end(Buffer.alloc(length, 1));
  });
}

function signedGet(port: number, credentials: { secretId: string; secretKey: string }, key: string): Promise<number> {
  const headers: Record<string, string> = { host: `${bucket}.cos.ap-guangzhou.myqcloud.com` };
  headers.authorization = signCos({ method: 'GET', pathname: `/${key}`, query: [], headers }, credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
  return new Promise((resolve) => {
    request({ host: '127.0.0.1', port, method: 'GET', path: `/${key}`, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).end();
  });
}

describe('engine command line', () => {
  it('prints one ready line, stores generated credentials, closes on SIGTERM; kill -9 mid-upload leaves no partial object', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'engine-cli-'));
    try {
      let run = await startCli(dataDir);
      const credentials = await credentialsOf(dataDir);
      assert.match(run.stderr(), /credentials\.json/);
      assert.equal(await signedPut(run.port, credentials, 'done.bin', 1000), 200);
      // a PUT that never finishes, then kill -9
      await signedPut(run.port, credentials, 'partial.bin', 10_000_000, (req) => {
        req.write(Buffer.alloc(3_000_000, 2));
        setTimeout(() => run.child.kill('SIGKILL'), 300);
      });
      await new Promise((resolve) => run.child.once('exit', resolve));
      assert.ok((await readdir(path.join(dataDir, 'tmp'))).length >= 0);
      run = await startCli(dataDir);
      assert.equal(await signedGet(run.port, credentials, 'done.bin'), 200);
      assert.equal(await signedGet(run.port, credentials, 'partial.bin'), 404);
      assert.deepEqual(await readdir(path.join(dataDir, 'tmp')), [], 'temp files swept at start');
      run.child.kill('SIGTERM');
      const code = await new Promise((resolve) => run.child.once('exit', resolve));
      assert.equal(code, 0);
      assert.equal(run.stdout().trim().split('\n').length, 1);

      const status = spawnSync(process.execPath, [bin, 'keys', 'status', '--data', dataDir], { encoding: 'utf8' });
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /sse-cos\s+v1\s+active/);
      const rotate = spawnSync(process.execPath, [bin, 'keys', 'rotate', '--data', dataDir], { encoding: 'utf8' });
      assert.equal(rotate.status, 0, rotate.stderr);
      const refuse = spawnSync(process.execPath, [bin, 'keys', 'retire', 'v1', '--data', dataDir], { encoding: 'utf8' });
      assert.equal(refuse.status, 0, 'version 1 seals only plain data here, so it may be retired');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reports usage errors with exit code 2', () => {
    const result = spawnSync(process.execPath, [bin, 'engine'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--data/);
  });
});
