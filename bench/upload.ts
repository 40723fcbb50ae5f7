/** Upload throughput of CosClient.uploadFile over loopback to a discarding COS stand-in (in a worker thread), single PUT vs multipart. */
import { rm, mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { CosClient } from '../core/cos/cosClient.ts';
import { Crc64Hasher, crc64Combine } from '../core/protocol/crc64.ts';
import { writeRandomFile } from './randomFile.ts';
import { printTable } from './table.ts';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_UPLOAD_MIB ?? 1024) * MiB;

/** The discarding server: reads and drops each body, computing its CRC-64 incrementally, echoes SSE-COS. */
function serve(): void {
  const uploads = new Map<string, Map<number, { crc: bigint; size: number }>>();
  let nextId = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://bench');
    const hasher = new Crc64Hasher();
    request.on('data', (chunk: Buffer) => hasher.update(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = { 'x-cos-request-id': 'bench', 'x-cos-server-side-encryption': 'AES256' };
      let body = '';
      const uploadId = url.searchParams.get('uploadId');
      if (request.method === 'POST' && url.searchParams.has('uploads')) {
        const id = `u${nextId++}`;
        uploads.set(id, new Map());
        body = `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;
      } else if (request.method === 'PUT' && uploadId) {
        uploads.get(uploadId)?.set(Number(url.searchParams.get('partNumber')), { crc: hasher.digest(), size: hasher.length });
        Object.assign(headers, { etag: `"p${url.searchParams.get('partNumber')}"`, 'x-cos-hash-crc64ecma': hasher.digestString() });
      } else if (request.method === 'POST' && uploadId) {
        let whole = 0n;
        for (const [, part] of [...(uploads.get(uploadId) ?? new Map<number, { crc: bigint; size: number }>())].sort((a, b) => a[0] - b[0])) whole = crc64Combine(whole, part.crc, part.size);
        uploads.delete(uploadId);
        headers['x-cos-hash-crc64ecma'] = whole.toString();
        body = '<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>"x-1"</ETag></CompleteMultipartUploadResult>';
      } else {
        Object.assign(headers, { etag: '"single"', 'x-cos-hash-crc64ecma': hasher.digestString() });
      }
      response.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
    });
  });
  // eslint-disable-next-line unicorn/require-post-message-target-origin -- worker_threads ports have no target origin
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as AddressInfo).port));
}


/** One measured upload: mode, part size, concurrency and throughput. */
export interface UploadMeasurement {
  mode: string;
  partSize: number | undefined;
  concurrency: number;
  seconds: number;
  bytes: number;
}

/** Uploads a random file of `size` bytes to a discarding server in a worker thread, once per mode. */
export async function measureUploadCeiling(size = SIZE): Promise<UploadMeasurement[]> {
  const worker = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const dir = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-'));
  const file = path.join(dir, 'upload.bin');
  try {
    await writeRandomFile(file, size);
    const cases = [
      { mode: 'single PUT (streamed)', multipartThreshold: size + 1, partSize: undefined, concurrency: 1 },
      { mode: 'multipart', multipartThreshold: 16 * MiB, partSize: 8 * MiB, concurrency: 4 },
      { mode: 'multipart', multipartThreshold: 16 * MiB, partSize: 16 * MiB, concurrency: 8 },
    ];
    const measurements: UploadMeasurement[] = [];
    for (const testCase of cases) {
      const client = new CosClient({ credentials: { secretId: 'AKIDBENCH', secretKey: 'bench' }, region: 'ap-guangzhou', endpoint: `http://127.0.0.1:${port}`, maxConnections: 16 });
      try {
        const started = performance.now();
        const result = await client.uploadFile('bench-1250000000', 'bench.bin', file, testCase);
        const seconds = (performance.now() - started) / 1000;
        if (!result.crc64Verified) throw new Error('the CRC-64 was not verified');
        measurements.push({ mode: testCase.mode, partSize: testCase.partSize, concurrency: testCase.concurrency, seconds, bytes: size });
      } finally {
        await client.close();
      }
    }
    return measurements;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await worker.terminate();
  }
}

if (!isMainThread) serve();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = (await measureUploadCeiling()).map((m) => [m.mode, m.partSize ? `${m.partSize / MiB} MiB` : '–', m.concurrency, (m.bytes / MiB).toFixed(0), m.seconds.toFixed(2), (m.bytes / MiB / m.seconds).toFixed(0)]);
  printTable(`uploadFile over loopback to a discarding server (${SIZE / MiB} MiB file, SSE echo + CRC-64 checked)`, ['mode', 'part size', 'concurrency', 'MiB', 'seconds', 'MiB/s'], rows);
}
