/** `npm run bench:protocol` (part of `npm run bench`): the machine's ceilings (openssl AES-256-GCM, page-cache read), CRC-64 vs MD5 / SHA-1 / AES-256-GCM on one buffer, COS signing ops/s, the client's upload ceiling. */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc64, crc64Implementation } from '../core/protocol/crc64.ts';
import { createJsCrc64Kernel } from '../core/protocol/crc64Js.ts';
import { printTable, type Cell } from './table.ts';
import { writeRandomFile } from './randomFile.ts';
import { measureUploadCeiling } from './upload.ts';

/** Shared by every section: the data buffer and the run settings. Override the size with BENCH_MIB=64. */
interface BenchContext {
  data: Buffer;
  runs: number;
  notes: string[];
}

/** One result: either a byte throughput (MB/s, compared with MD5) or an operation rate. */
interface Row {
  name: string;
  mbPerSecond?: number;
  opsPerSecond?: number;
  note?: string;
}

/** A bench section measures something and returns its rows; sections run in order into one table. */
type Section = (context: BenchContext) => Promise<Row[]>;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Runs `work` once to warm up, then `runs` times; returns the median MB/s over `bytes` per run. */
function throughput(bytes: number, runs: number, work: () => unknown): number {
  work();
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    rates.push(bytes / 1e6 / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

/** Calls `work` in batches for about `millis` per run (after a warm-up run); returns the median operations/s. */
function rate(runs: number, millis: number, work: () => unknown): number {
  const measure = (): number => {
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < millis) {
      for (let i = 0; i < 100; i++) work();
      count += 100;
      elapsed = performance.now() - start;
    }
    return count / (elapsed / 1000);
  };
  measure();
  return median(Array.from({ length: runs }, measure));
}

const checksumsAndCiphers: Section = async ({ data, runs }) => {
  const key = randomBytes(32);
  const packageSize = 64 * 1024;
  const jsKernel = createJsCrc64Kernel();
  const mask = 0xffffffffffffffffn;
  return [
    { name: `CRC-64/XZ (ours, ${crc64Implementation()})`, mbPerSecond: throughput(data.length, runs, () => crc64(data)) },
    { name: 'CRC-64/XZ (JS fallback)', mbPerSecond: throughput(data.length, Math.min(runs, 3), () => jsKernel(data, mask) ^ mask) },
    { name: 'MD5 (node:crypto)', mbPerSecond: throughput(data.length, runs, () => createHash('md5').update(data).digest()) },
    { name: 'SHA-1 (node:crypto)', mbPerSecond: throughput(data.length, runs, () => createHash('sha1').update(data).digest()) },
    {
      name: 'AES-256-GCM, 64 KiB packages, fresh cipher each',
      mbPerSecond: throughput(data.length, runs, () => {
        const iv = Buffer.alloc(12);
        for (let offset = 0, counter = 0; offset < data.length; offset += packageSize, counter++) {
          iv.writeUInt32BE(counter, 8);
          const cipher = createCipheriv('aes-256-gcm', key, iv);
          cipher.update(data.subarray(offset, offset + packageSize));
          cipher.final();
          cipher.getAuthTag();
        }
      }),
    },
    {
      name: 'AES-256-GCM, one stream (1 MiB updates)',
      mbPerSecond: throughput(data.length, runs, () => {
        const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
        for (let offset = 0; offset < data.length; offset += 1 << 20) cipher.update(data.subarray(offset, offset + (1 << 20)));
        cipher.final();
        cipher.getAuthTag();
      }),
    },
  ];
};

interface SigningModule {
  signCos(
    request: { method: string; path: string; query: [string, string][] | Record<string, string>; headers: Record<string, string> },
    credentials: { secretId: string; secretKey: string },
    options: { startSeconds: number; expiresSeconds?: number },
  ): string;
}

const signing: Section = async ({ runs, notes }) => {
  let module: SigningModule;
  try {
    module = (await import('../core/protocol/cosSignature.ts')) as unknown as SigningModule;
  } catch (error) {
    notes.push(`COS signing row skipped: core/protocol/cosSignature.ts is not available yet (${(error as Error).message.split('\n')[0]}).`);
    return [];
  }
  if (typeof module.signCos !== 'function') {
    notes.push('COS signing row skipped: core/protocol/cosSignature.ts does not export signCos yet.');
    return [];
  }
  const queryPairs: [string, string][] = [['partNumber', '3'], ['uploadId', '1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361']];
  const request = {
    method: 'PUT',
    path: '/folder/photo 2026.jpg',
    query: queryPairs as [string, string][] | Record<string, string>,
    headers: { host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com', 'content-length': '1048576', 'content-md5': 'mEuLvCNwkJ4M2CCwNE+bLg==', 'x-cos-server-side-encryption': 'AES256' },
  };
  const credentials = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETEXAMPLE' };
  // The query shape is the signing module's choice (pairs or a record): use whichever it accepts.
  try {
    module.signCos(request, credentials, { startSeconds: 1_700_000_000 });
  } catch {
    request.query = Object.fromEntries(queryPairs);
    try {
      module.signCos(request, credentials, { startSeconds: 1_700_000_000 });
    } catch (error) {
      notes.push(`COS signing row skipped: signCos threw ${(error as Error).message}.`);
      return [];
    }
  }
  let start = 1_700_000_000;
  const opsPerSecond = rate(runs, 300, () => module.signCos(request, credentials, { startSeconds: start++, expiresSeconds: 900 }));
  return [{ name: 'COS request signing (signCos, 4 headers + 2 query)', opsPerSecond }];
};

/** The client's own ceiling: uploadFile of a 1 GiB file (BENCH_UPLOAD_MIB) to a discarding server on loopback. */
const uploadCeiling: Section = async () => {
  const uploadMebibytes = Number(process.env.BENCH_UPLOAD_MIB ?? 1024);
  const measurements = await measureUploadCeiling(uploadMebibytes * 1024 * 1024);
  return measurements.map((measurement) => ({
    name: `CosClient.uploadFile ${uploadMebibytes} MiB, ${measurement.mode}${measurement.partSize ? ` ${measurement.partSize / 1024 / 1024} MiB × ${measurement.concurrency}` : ''}`,
    mbPerSecond: measurement.bytes / 1e6 / measurement.seconds,
    note: 'loopback, SSE echo + CRC-64 checked',
  }));
};

/** The machine's ceilings: openssl's AES-256-GCM on 64 KiB buffers, and reading a file that is in the page cache. */
const ceilings: Section = async ({ data, runs, notes }) => {
  const rows: Row[] = [];
  const openssl = spawnSync('openssl', ['speed', '-evp', 'aes-256-gcm', '-seconds', '1', '-bytes', '65536'], { encoding: 'utf8' });
  // The result line ends with the rate in thousands of bytes per second ("AES-256-GCM  3837477.73k").
  const opensslRate = /([\d.]+)k\s*$/m.exec(openssl.stdout ?? '');
  if (opensslRate) rows.push({ name: 'ceiling: openssl speed -evp aes-256-gcm, 64 KiB blocks', mbPerSecond: Number(opensslRate[1]) / 1000 });
  else notes.push(`openssl speed did not run (${openssl.error?.message ?? openssl.stderr?.trim().split('\n')[0] ?? 'no output'}).`);
  const dir = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-pagecache-'));
  try {
    const file = path.join(dir, 'cached.bin');
    await writeRandomFile(file, data.length);
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      const readAll = async (): Promise<number> => {
        const started = performance.now();
        for (let position = 0; position < data.length; position += buffer.length) await handle.read(buffer, 0, buffer.length, position);
        return data.length / 1e6 / ((performance.now() - started) / 1000);
      };
      await readAll();
      const rates: number[] = [];
      for (let run = 0; run < runs; run++) rates.push(await readAll());
      rows.push({ name: 'ceiling: page-cache read, 1 MiB FileHandle.read', mbPerSecond: median(rates) });
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
};

/** The sections of this bench, run in order into one table. */
const sections: Section[] = [ceilings, checksumsAndCiphers, signing, uploadCeiling];

const mebibytes = Number(process.env.BENCH_MIB ?? 256);
const context: BenchContext = { data: Buffer.allocUnsafe(mebibytes * 1024 * 1024), runs: Number(process.env.BENCH_RUNS ?? 5), notes: [] };
for (let offset = 0; offset < context.data.length; offset += 1 << 30) randomFillSync(context.data, offset, Math.min(1 << 30, context.data.length - offset));

const rows: Row[] = [];
for (const section of sections) rows.push(...(await section(context)));

const md5 = rows.find((row) => row.name.startsWith('MD5'))?.mbPerSecond;
const cells: Cell[][] = rows.map((row) => [
  row.name,
  row.mbPerSecond === undefined ? '–' : row.mbPerSecond.toFixed(0),
  row.opsPerSecond === undefined ? '–' : row.opsPerSecond.toFixed(0),
  row.mbPerSecond === undefined || md5 === undefined ? '–' : `${(row.mbPerSecond / md5).toFixed(2)}×`,
]);
printTable(
  `Protocol primitives on ${mebibytes} MiB (median of ${context.runs} runs after a warm-up; Node ${process.versions.node}, ${process.arch})`,
  ['Measurement', 'MB/s', 'ops/s', 'vs MD5'],
  cells,
);
for (const note of context.notes) console.log(`Note: ${note}`);
