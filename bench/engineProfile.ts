/** `node --cpu-prof bench/engineProfile.ts [put|get|both] [MiB] [sse|plain]`: one large PUT and/or GET against an in-process engine, for profiling the data path. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { startEngine } from '../core/engine/startEngine.ts';
import { signCos } from '../core/protocol/cosSignature.ts';

const MiB = 1024 * 1024;
const BUCKET = 'bench-1250000000';
const [phase = 'both', mebibytes = '256', mode = 'sse'] = process.argv.slice(2);
const total = Number(mebibytes) * MiB;

const root = await mkdtemp(path.join(tmpdir(), 'cos-sync-engine-profile-'));
const engine = await startEngine({ dataDir: path.join(root, 'engine'), port: 0, host: '127.0.0.1', region: 'ap-guangzhou', buckets: [BUCKET] });
const pool = new Pool(`http://127.0.0.1:${engine.port}`, { connections: 1 });
const headers = (method: string, extra: Record<string, string>): Record<string, string> => {
  const signed = { host: `${BUCKET}.cos.ap-guangzhou.myqcloud.com`, ...extra };
  return { ...signed, authorization: signCos({ method, pathname: '/large.bin', query: [], headers: signed }, engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 }) };
};
try {
  const source = randomBytes(16 * MiB);
  async function* body(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < total; sent += MiB) yield source.subarray(sent % source.length, (sent % source.length) + MiB);
  }
  const sse: Record<string, string> = mode === 'sse' ? { 'x-cos-server-side-encryption': 'AES256' } : {};
  let start = performance.now();
  const put = await pool.request({ method: 'PUT', path: '/large.bin', headers: headers('PUT', { 'content-length': String(total), ...sse }), body: Readable.from(body(), { objectMode: false }) });
  await put.body.dump();
  if (put.statusCode !== 200) throw new Error(`PUT ${put.statusCode}`);
  const putSeconds = (performance.now() - start) / 1000;
  if (phase !== 'put') {
    const runs = phase === 'get' ? 3 : 1;
    for (let run = 0; run < runs; run++) {
      start = performance.now();
      const get = await pool.request({ method: 'GET', path: '/large.bin', headers: headers('GET', {}) });
      let received = 0;
      for await (const chunk of get.body) received += (chunk as Buffer).length;
      if (received !== total) throw new Error(`GET returned ${received}`);
      console.log(`GET ${mode} ${mebibytes} MiB: ${(total / 1e6 / ((performance.now() - start) / 1000)).toFixed(0)} MB/s`);
    }
  }
  console.log(`PUT ${mode} ${mebibytes} MiB: ${(total / 1e6 / putSeconds).toFixed(0)} MB/s; engine maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (client in the same process)`);
} finally {
  await pool.close();
  await engine.close();
  await rm(root, { recursive: true, force: true });
}
