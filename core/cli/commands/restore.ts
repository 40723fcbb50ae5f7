/** `cos-sync restore`: brings the objects of a bucket (or prefix) back into a folder, verified, with their modification times. */
import path from 'node:path';
import { retryClassOf } from '../../common/errors.ts';
import { CosClient } from '../../cos/cosClient.ts';
import { restoreObjects, type RestoreReport } from '../../backup/restoreObjects.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';
import { connectionOptionSpec, failureText, formatBytes, parseConnection, parseCustomerKeyOption, readConnectionHelp } from '../connectionOptions.ts';
import { progressBar } from '../progressBar.ts';

const options = {
  ...connectionOptionSpec,
  overwrite: { type: 'boolean' },
  'sse-c-key': { type: 'string' },
  concurrency: { type: 'string' },
  'part-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const restoreHelp = `Usage: cos-sync restore DIR --bucket NAME-APPID --region REGION [options]

Restores every object (under --prefix, which is cut from the keys) into DIR. Each file is written to a
temporary name, checked against the server's CRC-64, given back its modification time (x-cos-meta-mtime,
stored by upload and sync), and only then renamed into place. Large objects come in ranges that a rerun
after a crash does not fetch again. Keys that would escape DIR ('..', absolute, NUL) are refused.

Options:
${readConnectionHelp}
  --overwrite             replace local files whose content differs (default: keep them and report)
  --sse-c-key BASE64      customer key for SSE-C objects (default: COS_SSE_C_KEY; prefer the variable)
  --concurrency N         objects restored at once (default 4)
  --part-size N           range size for large objects, e.g. 16M (default 16M; objects of 2 ranges or more)
  -h, --help              show this help

Exit status: 0 when everything was restored or already there, 3 when differing local files were kept,
1 when any object failed or was refused, 2 on usage errors.`;

/** The summary a person reads. */
export function restoreSummary(report: RestoreReport, folder: string, seconds: number): string {
  const lines = [
    `Restored ${report.restored} of ${report.objects} objects (${formatBytes(report.restoredBytes)}) into ${folder} in ${seconds.toFixed(1)} s${report.identical > 0 ? `; ${report.identical} already there` : ''}.`,
  ];
  if (report.resumedBytes > 0) lines.push(`Resumed ${formatBytes(report.resumedBytes)} fetched by an earlier run.`);
  if (report.unverified > 0) lines.push(`${report.unverified} file(s) had no CRC-64 on the server and could not be verified.`);
  for (const [title, list] of [['kept (local file differs; --overwrite replaces it)', report.kept], ['refused', report.refused], ['failed', report.failed]] as const) {
    if (list.length === 0) continue;
    lines.push(`${list.length} ${title}:`);
    for (const object of list.slice(0, 50)) lines.push(`  ${JSON.stringify(object.key)}  ${object.message ?? ''}`);
    if (list.length > 50) lines.push(`  … and ${list.length - 50} more`);
  }
  return lines.join('\n');
}

/** Runs the command; returns the exit code (0 done, 3 differing files kept, 1 failures or refusals, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(restoreHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Name exactly one DIR to restore into.');
  const { bucket, region, endpoint, pathStyle, prefix, credentials } = parseConnection(values);
  const customerKey = parseCustomerKeyOption(values['sse-c-key'] as string | undefined);
  const concurrency = integerOption(values.concurrency, 'concurrency', 4);
  const partSize = integerOption(values['part-size'], 'part-size', 16 * 1024 * 1024);
  const folder = path.resolve(positionals[0]!);
  const client = new CosClient({ credentials, region, endpoint, pathStyle, maxConnections: Math.max(8, concurrency * 4) });
  const bar = progressBar(undefined, process.stderr, { format: formatBytes });
  let files = 0;
  const started = performance.now();
  try {
    const report = await restoreObjects(client, bucket, folder, {
      prefix, concurrency, partSize, rangedThreshold: 2 * partSize, overwrite: Boolean(values.overwrite), ...(customerKey ? { customerKey } : {}),
      onListed: (_objects, bytes) => bar.setTotal(bytes),
      onBytes: (bytes) => bar.update(bytes, `${files} files`),
      onObject: () => files++,
    });
    bar.clear();
    console.log(restoreSummary(report, folder, (performance.now() - started) / 1000));
    if (report.failed.length > 0 || report.refused.length > 0) return 1;
    return report.kept.length > 0 ? 3 : 0;
  } catch (error) {
    bar.clear();
    const code = (error as NodeJS.ErrnoException).code;
    const text = code === 'ENOTDIR' || code === 'EEXIST' ? `'${folder}' is not a folder: choose a folder to restore into.` : failureText(error, bucket, region);
    console.error(`The restore stopped: ${text}${retryClassOf(error) === 'offline' ? ' Check --endpoint and the network.' : ''}`);
    return 1;
  } finally {
    await client.close();
  }
}
