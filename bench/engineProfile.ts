/**
 * `node bench/engineProfile.ts put|get|small [MiB|COUNT] [sse|plain] [PROFILE_DIR] [CLI_BIN]`: the engine as a child under
 * `--cpu-prof`, driven with large PUTs (put: 3 PUTs), GETs (get: 1 PUT, then 5 GETs) or COUNT 4 KiB PUTs then as
 * many GETs, 8 at a time (small) from this process; the
 * profile lands in PROFILE_DIR (summarise it with bench/cpuProfileSummary.ts). CLI_BIN profiles another checkout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { signCos } from '../core/protocol/cosSignature.ts';
import { BENCH_BUCKET, BENCH_CREDENTIALS, CLI_BIN, startServerChild } from './benchKit.ts';

const MiB = 1024 * 1024;
const [phase = 'get', mebibytes = '256', mode = 'sse', profileDir = path.resolve('engine-profile'), bin = CLI_BIN] = process.argv.slice(2);
const total = Number(mebibytes) * MiB;

const root = await mkdtemp(path.join(tmpdir(), 'cos-sync-engine-profile-'));
const engine = await startServerChild(
  ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, bin, 'engine', '--data', path.join(root, 'engine'), '--port', '0', '--bucket', BENCH_BUCKET, '--secret-id', BENCH_CREDENTIALS.secretId, '--secret-key', BENCH_CREDENTIALS.secretKey],
  /listening on (http:\/\/\S+)/,
);
const pool = new Pool(engine.endpoint, { connections: phase === 'small' ? 8 : 1 });
const headers = (method: string, extra: Record<string, string>, pathname = '/large.bin'): Record<string, string> => {
  const signed = { host: `${BENCH_BUCKET}.cos.ap-guangzhou.myqcloud.com`, ...extra };
  return { ...signed, authorization: signCos({ method, pathname, query: [], headers: signed }, BENCH_CREDENTIALS, { startSeconds: Math.floor(Date.now() / 1000) - 1 }) };
};

/** `count` 4 KiB objects PUT then GET, 8 requests at a time, with the engine's CPU per object. */
async function smallObjects(count: number): Promise<void> {
  const object = randomBytes(4096);
  for (const method of ['PUT', 'GET'] as const) {
    const started = performance.now();
    const cpu = engine.cpuSeconds();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < count) {
        const pathname = `/small/${next++}`;
        const extra = method === 'PUT' ? { 'content-length': '4096', ...sse } : {};
        const response = await pool.request({ method, path: pathname, headers: headers(method, extra, pathname), ...(method === 'PUT' ? { body: object } : {}) });
        await response.body.dump();
        if (response.statusCode !== 200) throw new Error(`${method} ${response.statusCode}`);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    console.log(`${method} ${mode} ${count} × 4 KiB: ${(count / seconds).toFixed(0)} objects/s, engine CPU ${(((engine.cpuSeconds() - cpu) * 1000) / count).toFixed(3)} ms/object`);
  }
}
const source = randomBytes(16 * MiB);
async function* body(): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += MiB) yield source.subarray(sent % source.length, (sent % source.length) + MiB);
}
const sse: Record<string, string> = mode === 'sse' ? { 'x-cos-server-side-encryption': 'AES256' } : {};
try {
  if (phase === 'small') await smallObjects(Number(mebibytes));
  for (let run = 0; run < (phase === 'put' ? 3 : phase === 'get' ? 1 : 0); run++) {
    const started = performance.now();
    const cpu = engine.cpuSeconds();
    const put = await pool.request({ method: 'PUT', path: '/large.bin', headers: headers('PUT', { 'content-length': String(total), ...sse }), body: Readable.from(body(), { objectMode: false }) });
    await put.body.dump();
    if (put.statusCode !== 200) throw new Error(`PUT ${put.statusCode}`);
    console.log(`PUT ${mode} ${mebibytes} MiB: ${(total / 1e6 / ((performance.now() - started) / 1000)).toFixed(0)} MB/s, engine CPU ${(((engine.cpuSeconds() - cpu) * 1000) / Number(mebibytes)).toFixed(2)} ms/MiB`);
  }
  for (let run = 0; run < (phase === 'get' ? 5 : 0); run++) {
    const started = performance.now();
    const cpu = engine.cpuSeconds();
    const get = await pool.request({ method: 'GET', path: '/large.bin', headers: headers('GET', {}) });
    let received = 0;
    for await (const chunk of get.body) received += (chunk as Buffer).length;
    if (received !== total) throw new Error(`GET returned ${received}`);
    console.log(`GET ${mode} ${mebibytes} MiB: ${(total / 1e6 / ((performance.now() - started) / 1000)).toFixed(0)} MB/s, engine CPU ${(((engine.cpuSeconds() - cpu) * 1000) / Number(mebibytes)).toFixed(2)} ms/MiB`);
  }
} finally {
  await pool.close();
  await engine.stop();
  await rm(root, { recursive: true, force: true });
}
