/** `cos-sync encrypt`: encrypts every plaintext object of a bucket (or prefix) in place, journaled so a rerun continues. */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { retryClassOf } from '../../common/errors.ts';
import { CosClient } from '../../cos/cosClient.ts';
import { EncryptJournal } from '../../backup/encryptJournal.ts';
import { encryptInPlace, type EncryptReport } from '../../backup/encryptInPlace.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';
import { connectionOptionSpec, failureText, formatBytes, parseConnection, readConnectionHelp } from '../connectionOptions.ts';
import { progressBar } from '../progressBar.ts';

const GiB = 1024 ** 3;
const options = {
  ...connectionOptionSpec,
  'kms-key': { type: 'string' },
  'dry-run': { type: 'boolean' },
  journal: { type: 'string' },
  concurrency: { type: 'string' },
  'single-copy-limit': { type: 'string' },
  'part-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const encryptHelp = `Usage: cos-sync encrypt --bucket NAME-APPID --region REGION [options]

Finds every object stored without encryption and copies it onto itself with server-side encryption, keeping
its Content-Type, stored headers (Cache-Control, Content-Disposition, Content-Encoding, Expires), every
x-cos-meta-* and its storage class. Each copy happens only if the object is unchanged since it was checked
(an object overwritten meanwhile is skipped, never clobbered), and is verified afterwards: encryption
confirmed, CRC-64 and metadata equal. A journal lets a rerun continue after an interruption without copying
finished objects again.

Options:
${readConnectionHelp}
  --sse MODE              AES256 (SSE-COS, default) or kms (SSE-KMS)
  --kms-key ID            KMS key for --sse kms (default: the COS-managed key)
  --dry-run               only list what would be encrypted
  --journal FILE          journal file (default ~/.cos-sync/encrypt-<bucket>-<hash>.jsonl)
  --concurrency N         objects handled at once (default 8)
  --single-copy-limit N   objects above this size are copied in parts (default 5G, the COS limit of one copy)
  --part-size N           part size of those copies (default 512M)
  -h, --help              show this help

Exit status: 0 when every object is encrypted now, 1 when any failed or was skipped, 2 on usage errors.`;

/** The summary a person reads. */
export function encryptSummary(report: EncryptReport, dryRun: boolean, seconds: number): string {
  if (dryRun) {
    const lines = [`${report.wouldEncrypt.length} of ${report.objects} objects are not encrypted and would be encrypted (${formatBytes(report.wouldEncrypt.reduce((sum, object) => sum + object.size, 0))}).`];
    for (const object of report.wouldEncrypt) lines.push(`  would encrypt  ${object.key}  ${formatBytes(object.size)}`);
    return lines.join('\n');
  }
  const lines = [`Encrypted ${report.encrypted} objects now (${formatBytes(report.encryptedBytes)}) in ${seconds.toFixed(1)} s; ${report.objects} objects checked, ${report.finishedEarlier} finished by an earlier run, ${report.skipped.length} skipped, ${report.failed.length} failed.`];
  if (report.unverified > 0) lines.push(`${report.unverified} object(s) had no CRC-64 on the server: their bytes could not be compared.`);
  for (const [title, list] of [['skipped', report.skipped], ['failed', report.failed]] as const) {
    for (const object of list.slice(0, 50)) lines.push(`  ${title}  ${object.key}  ${object.message ?? ''}`);
    if (list.length > 50) lines.push(`  … and ${list.length - 50} more ${title}`);
  }
  return lines.join('\n');
}

/** Runs the command; returns the exit code (0 all encrypted, 1 failures or skips, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(encryptHelp);
    return 0;
  }
  if (values['kms-key'] !== undefined && values['kms-key-id'] !== undefined) throw new UsageError('Give --kms-key or --kms-key-id, not both.');
  const connection = parseConnection({ ...values, 'kms-key-id': values['kms-key'] ?? values['kms-key-id'] });
  const { bucket, region, endpoint, pathStyle, prefix, credentials, sse } = connection;
  if (sse.mode !== 'AES256' && sse.mode !== 'kms') throw new UsageError('--sse must be AES256 or kms: encrypt never writes plaintext.');
  const concurrency = integerOption(values.concurrency, 'concurrency', 8);
  const singleCopyLimit = integerOption(values['single-copy-limit'], 'single-copy-limit', 5 * GiB);
  const partSize = integerOption(values['part-size'], 'part-size', 512 * 1024 * 1024);
  if (partSize < 1024 * 1024) throw new UsageError('--part-size must be at least 1M (COS parts are at least 1 MB).');
  const identity = createHash('sha256').update(`${endpoint ?? 'cos'}\n${region}\n${prefix}`).digest('hex').slice(0, 12);
  const journalPath = (values.journal as string | undefined) ?? path.join(os.homedir(), '.cos-sync', `encrypt-${bucket}-${identity}.jsonl`);
  const dryRun = Boolean(values['dry-run']);
  const client = new CosClient({ credentials, region, endpoint, pathStyle, maxConnections: Math.max(8, concurrency * 2) });
  const bar = progressBar(undefined, process.stderr, { rateUnit: ' objects/s' });
  let journal: EncryptJournal | undefined;
  let done = 0;
  const started = performance.now();
  try {
    journal = await EncryptJournal.open(journalPath, bucket, prefix);
    const report = await encryptInPlace(client, { bucket, sse, singleCopyLimit, partSize, partConcurrency: 4, journal }, {
      prefix, concurrency, dryRun,
      onListed: (objects) => bar.setTotal(objects),
      onObject: (object) => {
        done++;
        if (object.outcome === 'encrypted') {
          bar.clear();
          console.log(`encrypted  ${object.key}  ${formatBytes(object.size)}`);
        }
        bar.update(done);
      },
    });
    bar.clear();
    console.log(encryptSummary(report, dryRun, (performance.now() - started) / 1000));
    return report.failed.length > 0 || report.skipped.length > 0 ? 1 : 0;
  } catch (error) {
    bar.clear();
    const retry = retryClassOf(error);
    console.error(`The encryption stopped: ${failureText(error, bucket, region)}${retry === 'offline' ? ' Check --endpoint and the network.' : ''} Run the same command again to continue.`);
    return 1;
  } finally {
    await journal?.close();
    await client.close();
  }
}
