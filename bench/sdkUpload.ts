/** `node bench/sdkUpload.ts PORT PATH PREFIX`: the official COS SDK (cos-nodejs-sdk-v5) uploads a file (sliceUploadFile, 16 MiB × 4) or a folder (putObject, 16 in flight) with SSE AES256 to an engine on 127.0.0.1:PORT. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BENCH_BUCKET, BENCH_CREDENTIALS, BENCH_REGION } from './benchKit.ts';

interface SdkClient {
  putObject(params: Record<string, unknown>): Promise<unknown>;
  sliceUploadFile(params: Record<string, unknown>): Promise<unknown>;
}

const MiB = 1024 * 1024;
const [port, target, prefix] = process.argv.slice(2) as [string, string, string];
const COS = createRequire(import.meta.url)('cos-nodejs-sdk-v5') as new (options: Record<string, unknown>) => SdkClient;
const cos = new COS({ SecretId: BENCH_CREDENTIALS.secretId, SecretKey: BENCH_CREDENTIALS.secretKey, Protocol: 'http:', Ip: `127.0.0.1:${port}`, ChunkParallelLimit: 4, ChunkSize: 16 * MiB, FileParallelLimit: 16 });
const common = { Bucket: BENCH_BUCKET, Region: BENCH_REGION, ServerSideEncryption: 'AES256' };

async function files(directory: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(directory, relative), { withFileTypes: true })) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await files(directory, child)));
    else if (entry.isFile()) found.push(child);
  }
  return found;
}

if ((await stat(target)).isDirectory()) {
  const list = await files(target);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < list.length) {
      const relative = list[next++]!;
      await cos.putObject({ ...common, Key: `${prefix}${relative}`, Body: await readFile(path.join(target, relative)) });
    }
  }));
} else {
  await cos.sliceUploadFile({ ...common, Key: `${prefix}${path.basename(target)}`, FilePath: target, SliceSize: 16 * MiB, ChunkSize: 16 * MiB });
}
