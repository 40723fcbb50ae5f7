/** Engine lifecycle: close() lets an in-flight upload finish and then stops; a second engine on the same data dir is refused. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { startEngine } from '../../core/engine/startEngine.ts';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { TestEngine } from './engineClient.ts';

describe('engine lifecycle', () => {
  it('survives clients that abort uploads and downloads; no temp file or partial object remains', async () => {
    const t = await TestEngine.start();
    try {
      const headers: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-length': '5000000', 'x-cos-server-side-encryption': 'AES256' };
      headers.authorization = signCos({ method: 'PUT', pathname: '/aborted', query: [], headers }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port: t.engine.port, method: 'PUT', path: '/aborted', headers });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(1_000_000, 3));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
      await t.request({ method: 'PUT', key: 'big', body: Buffer.alloc(3_000_000, 4) });
      await new Promise<void>((resolve) => {
        const getHeaders: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com` };
        getHeaders.authorization = signCos({ method: 'GET', pathname: '/big', query: [], headers: getHeaders }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
        const req = request({ host: '127.0.0.1', port: t.engine.port, path: '/big', headers: getHeaders }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await t.request({ key: 'aborted' })).status, 404);
      assert.deepEqual(await readdir(path.join(t.dir, 'tmp')), []);
      assert.equal((await t.request({ method: 'HEAD', key: 'big' })).status, 200);
    } finally {
      await t.close();
    }
  });

  it('finishes in-flight requests on close and refuses a second engine on one data dir', async () => {
    const t = await TestEngine.start();
    let closed = false;
    try {
      await assert.rejects(startEngine({ dataDir: t.dir, port: 0 }), { code: 'EngineAlreadyRunning' });
      const headers: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com`, 'content-length': '200000' };
      headers.authorization = signCos({ method: 'PUT', pathname: '/inflight', query: [], headers }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
      const status = new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: t.engine.port, method: 'PUT', path: '/inflight', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.write(Buffer.alloc(100_000, 1));
        setTimeout(() => req.end(Buffer.alloc(100_000, 2)), 300);
      });
      // Close once the PUT is in the engine (its body is being written to a temp blob), not after a fixed pause: on
      // a busy machine the connection may not even be accepted by then.
      for (const end = Date.now() + 30_000; (await readdir(path.join(t.dir, 'tmp'))).length === 0; ) {
        if (Date.now() > end) throw new Error('the PUT never reached the engine');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const closing = t.engine.close().then(() => (closed = true));
      assert.equal(await status, 200);
      const started = Date.now();
      await closing;
      assert.ok(closed);
      // Bounded far below the 10 s forced close: a close that waited for the forced close would fail here.
      assert.ok(Date.now() - started < 9000);
    } finally {
      await t.close();
    }
  });
});
