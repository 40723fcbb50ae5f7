/** `npm run bench:engine`: PUT/GET MB/s of one large object and objects/s of many 4 KiB objects for the engine (SSE-COS and plain) and s3rver, each a child process, rounds interleaved. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { signCos } from '../core/protocol/cosSignature.ts';
import { encodeKeyPath } from '../core/protocol/cosUrlEncode.ts';
import { signV4 } from '../core/protocol/sigv4.ts';
import { BENCH_BUCKET, BENCH_CREDENTIALS, medianCell, median, ratio, startEngineChild, startServerChild, type ServerChild } from './benchKit.ts';
import { printTable, type Cell } from './table.ts';

const MiB = 1024 * 1024;
/** Large object size in MiB (default 1024); BENCH_ENGINE_MIB=256 for a quicker run. */
const LARGE_MIB = Number(process.env.BENCH_ENGINE_MIB ?? 1024);
/** Number of small objects (default 10,000); BENCH_ENGINE_COUNT overrides. */
const SMALL_COUNT = Number(process.env.BENCH_ENGINE_COUNT ?? 10_000);
const SMALL_SIZE = 4 * 1024;
const CONCURRENCY = 8;
/** Rounds; every round measures every target once, in a rotated order (BENCH_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Another checkout (say, main before a change) whose engine runs as extra rows in the same run (BENCH_BASELINE=DIR). */
const BASELINE = process.env.BENCH_BASELINE;
const BUCKET = BENCH_BUCKET;
const REGION = 'ap-guangzhou';
const HERE = path.dirname(fileURLToPath(import.meta.url));

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
  /** Server CPU milliseconds per MiB of the large PUT and GET (stable where wall time is not, on a shared machine). */
  putCpu: number;
  getCpu: number;
  /** Server CPU milliseconds per small object. */
  putOpCpu: number;
  getOpCpu: number;
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

async function measure(target: Target, prefix: string, cpu: () => number): Promise<Result> {
  const random = randomBytes(16 * MiB);
  const total = LARGE_MIB * MiB;
  const bigKey = `${prefix}/large.bin`;
  let start = performance.now();
  let cpuStart = cpu();
  await request(target, 'PUT', bigKey, Readable.from(largeBody(random, total), { objectMode: false }), total, target.putHeaders);
  const putMBps = total / 1e6 / ((performance.now() - start) / 1000);
  const putCpu = ((cpu() - cpuStart) * 1000) / LARGE_MIB;
  start = performance.now();
  cpuStart = cpu();
  const got = await request(target, 'GET', bigKey);
  const getMBps = total / 1e6 / ((performance.now() - start) / 1000);
  const getCpu = ((cpu() - cpuStart) * 1000) / LARGE_MIB;
  if (got !== total) throw new Error(`${target.name}: GET returned ${got} of ${total} bytes`);
  await request(target, 'DELETE', bigKey);

  const small = random.subarray(0, SMALL_SIZE);
  const key = (index: number): string => `${prefix}/small/${String(index).padStart(6, '0')}`;
  cpuStart = cpu();
  const putOps = await parallel(SMALL_COUNT, async (index) => {
    await request(target, 'PUT', key(index), small, SMALL_SIZE, target.putHeaders);
  });
  const putOpCpu = ((cpu() - cpuStart) * 1000) / SMALL_COUNT;
  cpuStart = cpu();
  const getOps = await parallel(SMALL_COUNT, async (index) => {
    const size = await request(target, 'GET', key(index));
    if (size !== SMALL_SIZE) throw new Error(`${target.name}: GET ${key(index)} returned ${size} bytes`);
  });
  const getOpCpu = ((cpu() - cpuStart) * 1000) / SMALL_COUNT;
  return { putMBps, getMBps, putOps, getOps, putCpu, getCpu, putOpCpu, getOpCpu };
}

function enginePool(port: number): Pool {
  return new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
}

function engineTarget(name: string, pool: Pool, sse: boolean): Target {
  return {
    name,
    pool,
    path: (key) => `/${encodeKeyPath(key)}`,
    headers(method, key, extra) {
      const headers = { host: `${BUCKET}.cos.${REGION}.myqcloud.com`, ...extra };
      return { ...headers, authorization: signCos({ method, pathname: `/${key}`, query: [], headers }, BENCH_CREDENTIALS, { startSeconds: Math.floor(Date.now() / 1000) - 1 }) };
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

/** A target, the server process behind it, and one result per round. */
interface Contender {
  target: Target;
  server: ServerChild;
  prefix: string;
  results: Result[];
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-engine-'));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const s3rver = await startServerChild([path.join(HERE, 's3rverChild.ts'), path.join(root, 's3rver'), BUCKET], /listening on (http:\/\/\S+)/);
    closers.push(() => s3rver.stop());
    const engine = await startEngineChild(path.join(root, 'engine'));
    closers.push(() => engine.stop());
    const servers: [ServerChild, string][] = [[engine, 'engine']];
    if (BASELINE) {
      const baseline = await startEngineChild(path.join(root, 'baseline'), path.join(BASELINE, 'core/cli/bin.js'));
      closers.push(() => baseline.stop());
      servers.push([baseline, 'baseline engine']);
    }
    const contenders: Contender[] = [];
    const add = (target: Target, server: ServerChild, prefix: string): void => {
      closers.push(() => target.pool.close());
      contenders.push({ target, server, prefix, results: [] });
    };
    add(s3rverTarget(enginePool(s3rver.port), s3rver.port), s3rver, 's3rver');
    for (const [server, label] of servers) {
      add(engineTarget(`${label}, SSE-COS (AES256)`, enginePool(server.port), true), server, `${label}-sse`.replaceAll(' ', '-'));
      add(engineTarget(`${label}, plain (no SSE)`, enginePool(server.port), false), server, `${label}-plain`.replaceAll(' ', '-'));
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that no target always runs first (when the machine was quietest) or last.
      const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
      for (const contender of order) {
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${contender.target.name}…\n`);
        contender.results.push(await measure(contender.target, `${contender.prefix}-${round}`, () => contender.server.cpuSeconds()));
      }
    }
    const base = contenders[0]!.results;
    const medianOf = (results: Result[], field: keyof Result): number => median(results.map((result) => result[field]));
    const column = (contender: Contender, field: keyof Result): Cell[] => [
      medianCell(contender.results.map((result) => result[field])),
      ratio(medianOf(contender.results, field), medianOf(base, field)),
    ];
    printTable(
      `Engine vs s3rver: ${LARGE_MIB} MiB object, ${SMALL_COUNT} × 4 KiB objects (concurrency ${CONCURRENCY}, undici keep-alive; median (min–max) of ${ROUNDS} interleaved rounds; × = vs s3rver)`,
      ['Target', `PUT ${LARGE_MIB} MiB MB/s`, '×', `GET ${LARGE_MIB} MiB MB/s`, '×', 'PUT 4 KiB obj/s', '×', 'GET 4 KiB obj/s', '×', 'server peak RSS MiB'],
      contenders.map((contender) => [
        contender.target.name, ...column(contender, 'putMBps'), ...column(contender, 'getMBps'), ...column(contender, 'putOps'), ...column(contender, 'getOps'),
        contender.server.peakRssMiB().toFixed(0),
      ]),
    );
    const cpuColumn = (contender: Contender, field: keyof Result, digits: number): Cell[] => [
      median(contender.results.map((result) => result[field])).toFixed(digits),
      ratio(medianOf(contender.results, field), medianOf(base, field)),
    ];
    printTable(
      `Engine vs s3rver, server CPU cost (ms of server CPU, all threads, per MiB or per object; median of ${ROUNDS} rounds; lower is better; × = vs s3rver)`,
      ['Target', 'PUT ms/MiB', '×', 'GET ms/MiB', '×', 'PUT ms/obj', '×', 'GET ms/obj', '×'],
      contenders.map((contender) => [
        contender.target.name, ...cpuColumn(contender, 'putCpu', 2), ...cpuColumn(contender, 'getCpu', 2), ...cpuColumn(contender, 'putOpCpu', 3), ...cpuColumn(contender, 'getOpCpu', 3),
      ]),
    );
    for (const [server, label] of servers) {
      const sse = contenders.find((contender) => contender.server === server && contender.target.putHeaders['x-cos-server-side-encryption'])!.results;
      const plain = contenders.find((contender) => contender.server === server && !contender.target.putHeaders['x-cos-server-side-encryption'])!.results;
      const extra = (field: 'putMBps' | 'getMBps'): string => `${((medianOf(plain, field) / medianOf(sse, field) - 1) * 100).toFixed(0)} %`;
      const extraCpu = (field: 'putCpu' | 'getCpu'): string => `${((medianOf(sse, field) / medianOf(plain, field) - 1) * 100).toFixed(0)} %`;
      console.log(`${label}: SSE costs ${extra('putMBps')} on PUT and ${extra('getMBps')} on GET in wall time per byte, ${extraCpu('putCpu')} and ${extraCpu('getCpu')} in server CPU per byte (vs plain).`);
    }
    console.log(`Node ${process.version}; servers are child processes (peak RSS over the whole run, the engine serving both its SSE and plain rows); the engine fsyncs every blob and index commit, s3rver does not fsync.`);
  } finally {
    for (const close of closers.toReversed()) await close().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

await main();
