/** `cos-sync upload`: uploads files and folders to a bucket with server-side encryption, verifying the SSE echo and CRC-64. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { retryClassOf } from '../../common/errors.ts';
import { describeEncryption } from '../../protocol/serverSideEncryption.ts';
import { CosClient } from '../../cos/cosClient.ts';
import { contentTypeFor } from '../../cos/contentType.ts';
import { mtimeMetadata } from '../../common/mtimeMetadata.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';
import { connectionOptionHelp, connectionOptionSpec, failureText, formatBytes, parseConnection } from '../connectionOptions.ts';
import { progressBar } from '../progressBar.ts';

const options = {
  ...connectionOptionSpec,
  'part-size': { type: 'string' },
  concurrency: { type: 'string' },
  transfers: { type: 'string' },
  'content-md5': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const uploadHelp = `Usage: cos-sync upload FILE|DIR... --bucket NAME-APPID --region REGION [options]

Uploads files (folders recursively) with server-side encryption. Each file is checked: the server must
confirm the encryption and report the same CRC-64 as the data sent.

Options:
${connectionOptionHelp}
  --part-size N           multipart part size, e.g. 16M (default: from the file size, the concurrency
                          and the round trip, 8 to 64 MiB)
  --concurrency N         parts of one file uploaded in parallel (default 4)
  --transfers N           files uploaded in parallel (default 16)
  --content-md5           also send Content-MD5 with every part (for servers that return no CRC-64)
  -h, --help              show this help

Exit status: 0 when every file was uploaded and verified, 1 when any failed, 2 on usage errors.`;

/** Files to upload with their keys: a file maps to prefix + its name, a folder to prefix + relative paths. */
async function collect(inputs: string[], prefix: string): Promise<{ file: string; key: string; size: number; mtimeMs?: number; error?: string }[]> {
  const found: { file: string; key: string; size: number; mtimeMs?: number; error?: string }[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(full, rel);
      else if (entry.isFile()) {
        const info = await stat(full);
        found.push({ file: full, key: prefix + rel, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  for (const input of inputs) {
    try {
      const info = await stat(input);
      if (info.isDirectory()) await walk(input, '');
      else found.push({ file: input, key: prefix + path.basename(input), size: info.size, mtimeMs: info.mtimeMs });
    } catch (error) {
      found.push({ file: input, key: prefix + path.basename(input), size: 0, error: `Cannot read '${input}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}.` });
    }
  }
  return found;
}

/** Runs the command; returns the exit code (0 all uploaded, 1 any failure, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(uploadHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('Name at least one FILE or DIR to upload.');
  const { bucket, region, endpoint, ca, pathStyle, prefix, sse, credentials } = parseConnection(values);
  const partSize = values['part-size'] === undefined ? undefined : integerOption(values['part-size'], 'part-size', 0);
  if (partSize !== undefined && partSize < 1024 * 1024) throw new UsageError('--part-size must be at least 1M (COS parts are at least 1 MB).');
  const concurrency = integerOption(values.concurrency, 'concurrency', 4);
  const transfers = integerOption(values.transfers, 'transfers', 16);
  if (concurrency < 1 || transfers < 1) throw new UsageError('--concurrency and --transfers must be at least 1.');

  const files = await collect(positionals, prefix);
  const total = files.reduce((sum, entry) => sum + entry.size, 0);
  const bar = progressBar(total, process.stderr, { format: formatBytes });
  const client = new CosClient({ credentials, region, endpoint, ...(ca ? { ca } : {}), pathStyle, concurrency, maxConnections: Math.max(8, transfers, concurrency * 2) });
  let failed = 0;
  let finished = 0;
  // Bytes sent of the files in flight, so the bar counts every transfer.
  const sending = new Map<string, number>();
  const progressed = (): number => finished + [...sending.values()].reduce((sum, bytes) => sum + bytes, 0);
  let stopReason: string | undefined;
  // Result lines come out in the order of the files, each as soon as it and every file before it ended.
  const lines: (string | undefined)[] = [];
  let printed = 0;
  const report = (index: number, line: string): void => {
    lines[index] = line;
    for (; printed < files.length && lines[printed] !== undefined; printed++) console.log(lines[printed]);
  };
  const uploadOne = async (index: number): Promise<void> => {
    const entry = files[index]!;
    if (entry.error || stopReason) {
      failed++;
      report(index, `failed    ${entry.key}  ${entry.error ?? `Not attempted: ${stopReason}`}`);
      return;
    }
    try {
      const result = await client.uploadFile(bucket, entry.key, entry.file, {
        sse,
        contentType: contentTypeFor(entry.key),
        ...(entry.mtimeMs === undefined ? {} : { metadata: mtimeMetadata(entry.mtimeMs) }),
        ...(partSize ? { partSize } : {}),
        ...(values['content-md5'] ? { contentMd5: true } : {}),
        onProgress: (sent) => {
          sending.set(entry.key, sent);
          bar.update(progressed(), entry.key);
        },
      });
      bar.clear();
      const encryption = sse.mode === 'none' ? describeEncryption(result.encryption) : `${describeEncryption(result.encryption)} confirmed`;
      report(index, `uploaded  ${entry.key}  ${formatBytes(result.size)}  ${encryption}  ${result.crc64Verified ? 'crc64 ok' : 'crc64 not reported by the server'}`);
    } catch (error) {
      failed++;
      bar.clear();
      const text = failureText(error, bucket, region);
      report(index, `failed    ${entry.key}  ${text}`);
      const retry = retryClassOf(error);
      if (retry === 'auth' || retry === 'offline') stopReason = text;
    } finally {
      sending.delete(entry.key);
      finished += entry.size;
    }
  };
  try {
    // Files in flight at once (small files are bound by round trips, not bytes); each line is printed as its file ends.
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(transfers, files.length) }, async () => {
      while (next < files.length) await uploadOne(next++);
    }));
  } finally {
    bar.clear();
    await client.close();
  }
  if (files.length > 1) console.error(`${files.length - failed} of ${files.length} files uploaded (${formatBytes(total)}).`);
  return failed === 0 ? 0 : 1;
}
