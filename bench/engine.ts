/** `npm run bench:engine`: PUT/GET MB/s of one large object and objects/s of many 4 KiB objects, for the engine with SSE-COS, the engine plain, and s3rver. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { startEngine } from '../core/engine/startEngine.ts';
import { signCos } from '../core/protocol/cosSignature.ts';
import { encodeKeyPath } from '../core/protocol/cosUrlEncode.ts';
import { signV4 } from '../core/protocol/sigv4.ts';
import { printTable, type Cell } from './table.ts';

const MiB = 1024 * 1024;
/** Large object size in MiB (default 1024); BENCH_ENGINE_MIB=256 for a quicker run. */
const LARGE_MIB = Number(process.env.BENCH_ENGINE_MIB ?? 1024);
/** Number of small objects (default 10,000); BENCH_ENGINE_COUNT overrides. */
const SMALL_COUNT = Number(process.env.BENCH_ENGINE_COUNT ?? 10_000);
const SMALL_SIZE = 4 * 1024;
const CONCURRENCY = 8;
const BUCKET = 'bench-1250000000';
const REGION = 'ap-guangzhou';

/** One server under test, reached through the same client code: only addressing and signing differ. */
interface Target {
  name: string;
  pool: Pool;
  /** Request path for `key`. */
  path(key: string): string;
  /** Headers (Host, Authorization, …) for a request; `extra` is signed too. */
  headers(method: string, key: string, extra: Record<string, string>): Record<string, string>;
  /** Headers every PUT adds (SSE or nothing). */
  putHeaders: Record<string, string>;
}

interface Result {
  putMBps: number;
  getMBps: number;
  putOps: number;
  getOps: number;
}

function check(status: number, what: string, target: Target): void {
  if (status < 200 || status >= 300) throw new Error(`${target.name}: ${what} answered ${status}`);
}

/** Yields `total` bytes as 1 MiB slices of a random buffer (no disk reads on the client side). */
async function* largeBody(source: Buffer, total: number): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += MiB) yield source.subarray(sent % source.length, (sent % source.length) + Math.min(MiB, total - sent));
}

async function request(target: Target, method: string, key: string, body?: Buffer | Readable, length?: number, extra: Record<string, string> = {}): Promise<number> {
  const sized = length === undefined ? extra : { ...extra, 'content-length': String(length) };
  const response = await target.pool.request({ method: method as 'GET', path: target.path(key), headers: target.headers(method, key, sized), body });
  let received = 0;
  for await (const chunk of response.body) received += (chunk as Buffer).length;
  check(response.statusCode, `${method} ${key}`, target);
  return received;
}

/** Runs `count` operations with {@link CONCURRENCY} workers; returns operations per second. */
async function parallel(count: number, operation: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await operation(next++);
  }));
  return count / ((performance.now() - start) / 1000);
}

async function measure(target: Target, prefix: string): Promise<Result> {
  const random = randomBytes(16 * MiB);
  const total = LARGE_MIB * MiB;
  const bigKey = `${prefix}/large.bin`;
  let start = performance.now();
  await request(target, 'PUT', bigKey, Readable.from(largeBody(random, total), { objectMode: false }), total, target.putHeaders);
  const putMBps = total / 1e6 / ((performance.now() - start) / 1000);
  start = performance.now();
  const got = await request(target, 'GET', bigKey);
  const getMBps = total / 1e6 / ((performance.now() - start) / 1000);
  if (got !== total) throw new Error(`${target.name}: GET returned ${got} of ${total} bytes`);
  await request(target, 'DELETE', bigKey);

  const small = random.subarray(0, SMALL_SIZE);
  const key = (index: number): string => `${prefix}/small/${String(index).padStart(6, '0')}`;
  const putOps = await parallel(SMALL_COUNT, async (index) => {
    await request(target, 'PUT', key(index), small, SMALL_SIZE, target.putHeaders);
  });
  const getOps = await parallel(SMALL_COUNT, async (index) => {
    const size = await request(target, 'GET', key(index));
    if (size !== SMALL_SIZE) throw new Error(`${target.name}: GET ${key(index)} returned ${size} bytes`);
  });
  return { putMBps, getMBps, putOps, getOps };
}

function enginePool(port: number): Pool {
  return new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
}

function engineTarget(name: string, pool: Pool, credentials: { secretId: string; secretKey: string }, sse: boolean): Target {
  return {
    name,
    pool,
    path: (key) => `/${encodeKeyPath(key)}`,
    headers(method, key, extra) {
      const headers = { host: `${BUCKET}.cos.${REGION}.myqcloud.com`, ...extra };
      return { ...headers, authorization: signCos({ method, pathname: `/${key}`, query: [], headers }, credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 }) };
    },
    putHeaders: sse ? { 'x-cos-server-side-encryption': 'AES256' } : {},
  };
}

/** s3rver (unencrypted fake S3, path-style, SigV4 with its default S3RVER/S3RVER credentials). */
function s3rverTarget(pool: Pool, port: number): Target {
  return {
    name: 's3rver 3.7.1 (plain, no fsync)',
    pool,
    path: (key) => `/${BUCKET}/${encodeKeyPath(key)}`,
    headers(method, key, extra) {
      const headers = { host: `127.0.0.1:${port}`, ...extra };
      const signed = signV4({ method, path: `/${BUCKET}/${encodeKeyPath(key)}`, query: [], headers }, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, { region: 'us-east-1', date: new Date() });
      return { ...headers, ...signed } as Record<string, string>;
    },
    putHeaders: {},
  };
}

/** A rate with its ratio to the s3rver baseline. */
function cell(value: number, baseline: number): Cell {
  return `${value.toFixed(value >= 100 ? 0 : 1)} (${(value / baseline).toFixed(2)}×)`;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-engine-'));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
    const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(root, 's3rver'), configureBuckets: [{ name: BUCKET }] });
    const { port: s3rverPort } = await s3rver.run();
    closers.push(() => s3rver.close());
    const engine = await startEngine({ dataDir: path.join(root, 'engine'), port: 0, host: '127.0.0.1', region: REGION, buckets: [BUCKET] });
    closers.push(() => engine.close());

    const s3rverPool = enginePool(s3rverPort);
    const enginePoolSse = enginePool(engine.port);
    const enginePoolPlain = enginePool(engine.port);
    closers.push(() => Promise.all([s3rverPool.close(), enginePoolSse.close(), enginePoolPlain.close()]));
    const reference = s3rverTarget(s3rverPool, s3rverPort);
    const targets: [Target, string][] = [
      [reference, 's3rver'],
      [engineTarget('engine, SSE-COS (AES256)', enginePoolSse, engine.credentials, true), 'sse'],
      [engineTarget('engine, plain (no SSE)', enginePoolPlain, engine.credentials, false), 'plain'],
    ];
    const results: [Target, Result][] = [];
    for (const [target, prefix] of targets) {
      process.stderr.write(`measuring ${target.name}…\n`);
      results.push([target, await measure(target, prefix)]);
    }
    const base = results[0]![1];
    printTable(
      `Engine vs s3rver: ${LARGE_MIB} MiB object, ${SMALL_COUNT} × 4 KiB objects (concurrency ${CONCURRENCY}, undici keep-alive; ratio vs s3rver)`,
      ['Target', `PUT ${LARGE_MIB} MiB MB/s`, `GET ${LARGE_MIB} MiB MB/s`, 'PUT 4 KiB obj/s', 'GET 4 KiB obj/s'],
      results.map(([target, result]) => [
        target.name, cell(result.putMBps, base.putMBps), cell(result.getMBps, base.getMBps), cell(result.putOps, base.putOps), cell(result.getOps, base.getOps),
      ]),
    );
    console.log(`Node ${process.version}; the engine fsyncs every blob and index commit, s3rver does not fsync.`);
  } finally {
    for (const close of closers.toReversed()) await close().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

await main();
