/** `cos-sync upload`: uploads files and folders to a bucket with server-side encryption, verifying the SSE echo and CRC-64. */
import type { Stats } from 'node:fs';
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
  --transfers N           files uploaded in parallel (default 32)
  --content-md5           also send Content-MD5 with every part (for servers that return no CRC-64)
  -h, --help              show this help

Exit status: 0 when every file was uploaded and verified, 1 when any failed, 2 on usage errors.`;

/** A file to upload with its key; `error` when it cannot be read. */
interface UploadEntry {
  file: string;
  key: string;
  size: number;
  mtimeMs?: number;
  error?: string;
}

/** Entries stat'ed at once while walking a folder (the walk runs beside the uploads, so it must keep ahead of them). */
const STAT_BATCH = 64;

/**
 * Files to upload with their keys, yielded in order as the walk finds them: a file maps to prefix + its name, a
 * folder to prefix + relative paths (sorted by name at each level).
 */
async function* walkInputs(inputs: string[], prefix: string): AsyncGenerator<UploadEntry> {
  async function* walk(dir: string, relative: string): AsyncGenerator<UploadEntry> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (let start = 0; start < entries.length; start += STAT_BATCH) {
      const batch = entries.slice(start, start + STAT_BATCH);
      const stats = await Promise.all(batch.map((entry) => (entry.isFile() ? stat(path.join(dir, entry.name)).catch((error: unknown) => error as Error) : undefined)));
      for (const [index, entry] of batch.entries()) {
        const full = path.join(dir, entry.name);
        const rel = relative ? `${relative}/${entry.name}` : entry.name;
        const info = stats[index];
        if (entry.isDirectory()) yield* walk(full, rel);
        else if (info instanceof Error) yield { file: full, key: prefix + rel, size: 0, error: `Cannot read '${full}': ${info.message}.` };
        else if (info) yield { file: full, key: prefix + rel, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }
  for (const input of inputs) {
    let info: Stats;
    try {
      info = await stat(input);
    } catch (error) {
      yield { file: input, key: prefix + path.basename(input), size: 0, error: `Cannot read '${input}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}.` };
      continue;
    }
    if (info.isDirectory()) yield* walk(input, '');
    else yield { file: input, key: prefix + path.basename(input), size: info.size, mtimeMs: info.mtimeMs };
  }
}

/** Result lines on stdout in the order of the files, written in batches (one write per file costs a syscall each). */
function orderedLines(): { report(index: number, line: string): void; flush(): void } {
  const lines: (string | undefined)[] = [];
  let printed = 0;
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (pending) process.stdout.write(pending);
    pending = '';
  };
  return {
    report(index, line) {
      lines[index] = line;
      for (; lines[printed] !== undefined; printed++) {
        pending += `${lines[printed]}\n`;
        lines[printed] = '';
      }
      if (pending.length > 64 * 1024) flush();
      else if (timer === undefined && pending) timer = setTimeout(flush, 50);
    },
    flush,
  };
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
  const transfers = integerOption(values.transfers, 'transfers', 32);
  if (concurrency < 1 || transfers < 1) throw new UsageError('--concurrency and --transfers must be at least 1.');

  const bar = progressBar(undefined, process.stderr, { format: formatBytes });
  // One connection per file in flight (small files are bound by round trips, not bytes), two per part for one big file.
  const client = new CosClient({ credentials, region, endpoint, ...(ca ? { ca } : {}), pathStyle, concurrency, maxConnections: Math.max(8, transfers, concurrency * 2) });
  let count = 0;
  let total = 0;
  let failed = 0;
  let finished = 0;
  // Bytes sent of the files in flight, so the bar counts every transfer.
  const sending = new Map<string, number>();
  const progressed = (): number => finished + [...sending.values()].reduce((sum, bytes) => sum + bytes, 0);
  let stopReason: string | undefined;
  // Result lines come out in the order of the files, each as soon as it and every file before it ended.
  const output = orderedLines();
  const uploadOne = async (index: number, entry: UploadEntry): Promise<void> => {
    if (entry.error || stopReason) {
      failed++;
      output.report(index, `failed    ${entry.key}  ${entry.error ?? `Not attempted: ${stopReason}`}`);
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
      output.report(index, `uploaded  ${entry.key}  ${formatBytes(result.size)}  ${encryption}  ${result.crc64Verified ? 'crc64 ok' : 'crc64 not reported by the server'}`);
    } catch (error) {
      failed++;
      bar.clear();
      const text = failureText(error, bucket, region);
      output.report(index, `failed    ${entry.key}  ${text}`);
      const retry = retryClassOf(error);
      if (retry === 'auth' || retry === 'offline') stopReason = text;
    } finally {
      sending.delete(entry.key);
      finished += entry.size;
    }
  };
  try {
    // The walk feeds `transfers` workers as it goes: the first files are on the wire while later folders are still read.
    const files = walkInputs(positionals, prefix);
    await Promise.all(Array.from({ length: transfers }, async () => {
      for (let next = await files.next(); !next.done; next = await files.next()) {
        const index = count++;
        total += next.value.size;
        await uploadOne(index, next.value);
      }
      bar.setTotal(total);
    }));
  } finally {
    output.flush();
    bar.clear();
    await client.close();
  }
  if (count > 1) console.error(`${count - failed} of ${count} files uploaded (${formatBytes(total)}).`);
  return failed === 0 ? 0 : 1;
}
