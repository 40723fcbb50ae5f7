/** `cos-sync audit`: lists and HEADs every object of a bucket (or prefix) and reports how each is encrypted. */
import { retryClassOf } from '../../common/errors.ts';
import { CosClient } from '../../cos/cosClient.ts';
import { auditBucket, type AuditReport } from '../../backup/auditBucket.ts';
import { encryptionKinds } from '../../backup/storedEncryption.ts';
import { integerOption, parseCommandLine } from '../arguments.ts';
import { connectionOptionSpec, failureText, formatBytes, parseConnection, readConnectionHelp } from '../connectionOptions.ts';
import { progressBar } from '../progressBar.ts';

const options = {
  ...connectionOptionSpec,
  json: { type: 'boolean' },
  concurrency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const auditHelp = `Usage: cos-sync audit --bucket NAME-APPID --region REGION [options]

Lists every object (all pages) and asks the server how each one is stored: SSE-COS, SSE-KMS (with its key),
SSE-C (customer key) or not encrypted at all. Reads only: nothing in the bucket is changed.

Options:
${readConnectionHelp}
  --concurrency N         HEAD requests in flight at once (default 16)
  --json                  print one JSON object per line: every object, then the summary
  -h, --help              show this help

Exit status: 0 when every object is encrypted, 3 when plaintext objects were found, 1 on errors, 2 on usage errors.`;

const kindLabel = { 'SSE-COS': 'SSE-COS (AES256)', 'SSE-KMS': 'SSE-KMS', 'SSE-C': 'SSE-C (customer key)', none: 'not encrypted' } as const;

/** The summary a person reads: counts and bytes per encryption, KMS keys, the first plaintext keys, errors. */
export function auditSummary(report: AuditReport, seconds: number): string {
  const lines = [`Audited ${report.objects} objects (${formatBytes(report.bytes)}) in ${report.bucket}${report.prefix ? ` under '${report.prefix}'` : ''} in ${seconds.toFixed(1)} s.`];
  for (const kind of encryptionKinds) {
    const tally = report.byKind[kind];
    lines.push(`  ${kindLabel[kind].padEnd(22)} ${String(tally.objects).padStart(9)} objects  ${formatBytes(tally.bytes).padStart(10)}`);
    if (kind === 'SSE-KMS') for (const [keyId, keyTally] of Object.entries(report.kmsKeys)) lines.push(`    key ${keyId}: ${keyTally.objects} objects, ${formatBytes(keyTally.bytes)}`);
  }
  if (report.plaintext.length > 0) {
    lines.push(`Plaintext objects (${report.plaintext.length}${report.plaintext.length > 20 ? ', first 20; --json lists all' : ''}):`);
    for (const object of report.plaintext.slice(0, 20)) lines.push(`  ${object.key}  ${formatBytes(object.size)}`);
    lines.push('Encrypt them in place with `cos-sync encrypt` (same options).');
  } else if (report.errors.length === 0) lines.push('Every object is encrypted.');
  if (report.errors.length > 0) {
    lines.push(`${report.errors.length} object(s) could not be checked:`);
    for (const error of report.errors.slice(0, 20)) lines.push(`  ${error.key}  ${error.message}`);
  }
  return lines.join('\n');
}

/** Runs the command; returns the exit code (0 all encrypted, 3 plaintext found, 1 errors, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(auditHelp);
    return 0;
  }
  const { bucket, region, endpoint, pathStyle, prefix, credentials } = parseConnection(values);
  const concurrency = integerOption(values.concurrency, 'concurrency', 16);
  const client = new CosClient({ credentials, region, endpoint, pathStyle, maxConnections: Math.max(8, concurrency) });
  const bar = progressBar(undefined, process.stderr, { rateUnit: ' objects/s' });
  const started = performance.now();
  try {
    const report = await auditBucket(client, bucket, {
      prefix,
      concurrency,
      onProgress: (progress) => {
        if (progress.listingComplete) bar.setTotal(progress.listed);
        bar.update(progress.done, progress.listingComplete ? '' : `${progress.listed} listed…`);
      },
      ...(values.json ? { onObject: (object) => {
        bar.clear();
        console.log(JSON.stringify({ key: object.key, size: object.size, encryption: object.encryption.kind, ...(object.encryption.kmsKeyId ? { kmsKeyId: object.encryption.kmsKeyId } : {}) }));
      } } : {}),
    });
    bar.clear();
    const seconds = (performance.now() - started) / 1000;
    if (values.json) {
      for (const error of report.errors) console.log(JSON.stringify({ key: error.key, error: error.message }));
      console.log(JSON.stringify({ summary: { objects: report.objects, bytes: report.bytes, byKind: report.byKind, kmsKeys: report.kmsKeys, plaintext: report.plaintext.length, errors: report.errors.length, seconds } }));
      console.error(auditSummary({ ...report, plaintext: report.plaintext.slice(0, 20) }, seconds).split('\n')[0]);
    } else console.log(auditSummary(report, seconds));
    if (report.errors.length > 0) return 1;
    return report.plaintext.length > 0 ? 3 : 0;
  } catch (error) {
    bar.clear();
    const retry = retryClassOf(error);
    console.error(`The audit stopped: ${failureText(error, bucket, region)}${retry === 'offline' ? ' Check --endpoint and the network.' : ''}`);
    return 1;
  } finally {
    await client.close();
  }
}
