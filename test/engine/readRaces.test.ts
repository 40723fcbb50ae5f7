/** Reads that overlap writes and key maintenance: a slow GET finishes intact across an overwrite, a rewrap and a retire. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { TestEngine } from './engineClient.ts';

const MiB = 1024 * 1024;
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** Starts a GET, pauses after the first bytes, runs `meanwhile`, then reads the rest. */
function slowGet(t: TestEngine, key: string, meanwhile: () => Promise<void>): Promise<Buffer> {
  const headers: Record<string, string> = { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com` };
  headers.authorization = signCos({ method: 'GET', pathname: `/${key}`, query: [], headers }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.engine.port, path: `/${key}`, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.once('data', (first: Buffer) => {
        chunks.push(first);
        res.pause();
        meanwhile().then(() => {
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.resume();
        }, reject);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Uploads `parts` as a completed multipart object encrypted with SSE-COS. */
async function putMultipart(t: TestEngine, key: string, parts: Buffer[]): Promise<void> {
  const init = await t.request({ method: 'POST', key, query: [['uploads', '']], headers: { 'x-cos-server-side-encryption': 'AES256' } });
  const uploadId = /<UploadId>([^<]+)</.exec(init.text)![1]!;
  const etags: string[] = [];
  for (const [index, part] of parts.entries()) {
    etags.push(String((await t.request({ method: 'PUT', key, query: [['partNumber', String(index + 1)], ['uploadId', uploadId]], body: part })).headers.etag));
  }
  const complete = `<CompleteMultipartUpload>${etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  assert.equal((await t.request({ method: 'POST', key, query: [['uploadId', uploadId]], body: complete })).status, 200);
}

describe('engine reads overlapping writes and key maintenance', () => {
  it('a slow GET returns the old content intact while the object is overwritten and deleted', async () => {
    const t = await TestEngine.start();
    try {
      const parts = [randomBytes(24 * MiB), randomBytes(MiB)];
      const old = Buffer.concat(parts);
      await putMultipart(t, 'race/obj', parts);
      const body = await slowGet(t, 'race/obj', async () => {
        await t.request({ method: 'PUT', key: 'race/obj', body: 'new' });
        await t.request({ method: 'DELETE', key: 'race/obj' });
      });
      assert.equal(md5(body), md5(old));
      assert.equal((await t.request({ key: 'race/obj' })).status, 404);
    } finally {
      await t.close();
    }
  });

  it('a slow GET of a multipart object survives rotate, rewrap and retire of the version its parts were sealed with', async () => {
    const t = await TestEngine.start({ backgroundRewrap: false });
    try {
      const parts = [randomBytes(24 * MiB), randomBytes(MiB)];
      await putMultipart(t, 'race/mp', parts);
      const body = await slowGet(t, 'race/mp', async () => {
        await t.engine.keys.rotate();
        assert.equal((await t.engine.keys.rewrap()).remaining, 0);
        await t.engine.keys.retire(1);
      });
      assert.equal(md5(body), md5(Buffer.concat(parts)));
    } finally {
      await t.close();
    }
  });
});
