/** `npm run bench:backup`: audit objects/s and restore MB/s and files/s of cos-sync next to rclone, against the engine (child process), same run. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrentEach } from '../core/common/concurrentEach.ts';
import { mtimeMetadata } from '../core/common/mtimeMetadata.ts';
import { CosClient } from '../core/cos/cosClient.ts';
import { BENCH_BUCKET, BENCH_CREDENTIALS, BENCH_REGION, CLI_BIN, rcloneEnv, runProcess, startEngineChild, type ProcessRun } from './benchKit.ts';
import { writeRandomFile } from './randomFile.ts';
import { printTable, type Cell } from './table.ts';

const MiB = 1024 * 1024;
/** Small objects (default 2,000 of 16 KiB); BENCH_BACKUP_COUNT overrides. */
const COUNT = Number(process.env.BENCH_BACKUP_COUNT ?? 2000);
const SMALL_SIZE = 16 * 1024;
/** Size of the large object in MiB (default 256); BENCH_BACKUP_MIB overrides. */
const LARGE_MIB = Number(process.env.BENCH_BACKUP_MIB ?? 256);
/** Objects (and rclone transfers/checkers) in flight. */
const CONCURRENCY = 8;
const BUCKET = BENCH_BUCKET;
const REGION = BENCH_REGION;
const CREDENTIALS = BENCH_CREDENTIALS;

/** Runs a command to completion (killed after 30 minutes); resolves with its exit code, output and wall time. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  return runProcess(command, args, env, 30 * 60_000);
}

async function cosSync(args: string[], endpoint: string, okCodes: number[] = [0]): Promise<number> {
  const result = await run(process.execPath, [CLI_BIN, ...args, '--bucket', BUCKET, '--region', REGION, '--endpoint', endpoint], { ...process.env, COS_SECRET_ID: CREDENTIALS.secretId, COS_SECRET_KEY: CREDENTIALS.secretKey });
  if (!okCodes.includes(Number(result.code))) throw new Error(`cos-sync ${args[0]} exited ${result.code}: ${(result.stderr + result.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return result.seconds;
}

async function rclone(args: string[], endpoint: string): Promise<number> {
  const result = await run('rclone', [...args, '--s3-no-check-bucket'], rcloneEnv(endpoint));
  if (result.code !== 0) throw new Error(`rclone ${args[0]} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
  return result.seconds;
}

async function seed(endpoint: string, base: string): Promise<void> {
  const client = new CosClient({ credentials: CREDENTIALS, region: REGION, endpoint, maxConnections: 16 });
  try {
    const data = randomBytes(SMALL_SIZE);
    const keys = Array.from({ length: COUNT }, (_, index) => `small/d${String(Math.floor(index / 500)).padStart(2, '0')}/f${index}.bin`);
    await concurrentEach(keys, 16, async (key) => {
      await client.putObject(BUCKET, key, data, { metadata: mtimeMetadata(1_700_000_000_000) });
    });
    const large = path.join(base, 'large.bin');
    await writeRandomFile(large, LARGE_MIB * MiB);
    await client.uploadFile(BUCKET, 'large/large.bin', large, { metadata: mtimeMetadata(1_700_000_000_000) });
    await rm(large);
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const base = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-backup-'));
  const engine = await startEngineChild(path.join(base, 'engine'));
  const endpoint = engine.endpoint;
  const rows: Cell[][] = [];
  const fixed = (value: number, digits: number): string => value.toFixed(digits);
  try {
    process.stderr.write(`bench:backup seeding ${COUNT} × 16 KiB and ${LARGE_MIB} MiB…\n`);
    await seed(endpoint, base);
    const objects = COUNT + 1;
    const smallMiB = (COUNT * SMALL_SIZE) / MiB;
    const hasRclone = await run('rclone', ['version'], rcloneEnv('')).then((result) => result.code === 0, () => false);
    const measure = async (label: string, tool: string, work: () => Promise<Cell[]>): Promise<void> => {
      process.stderr.write(`bench:backup ${label} (${tool})…\n`);
      try {
        rows.push([label, tool, ...(await work())]);
      } catch (error) {
        rows.push([label, tool, `failed: ${(error as Error).message}`, '', '']);
      }
    };
    const noRclone = (label: string): void => void rows.push([label, 'rclone', 'not installed', '', '']);

    await measure(`audit: list + HEAD each of ${objects} objects`, 'cos-sync audit', async () => {
      const seconds = await cosSync(['audit', '--concurrency', String(CONCURRENCY * 2)], endpoint, [0, 3]);
      return [fixed(seconds, 2), fixed(objects / seconds, 0), '–'];
    });
    if (hasRclone) {
      await measure(`audit: list + HEAD each of ${objects} objects`, 'rclone lsjson -R -M', async () => {
        const seconds = await rclone(['lsjson', '-R', '-M', '--checkers', String(CONCURRENCY * 2), `eng:${BUCKET}`], endpoint);
        return [fixed(seconds, 2), fixed(objects / seconds, 0), '–'];
      });
      await measure(`listing only, ${objects} objects`, 'rclone lsjson -R', async () => {
        const seconds = await rclone(['lsjson', '-R', `eng:${BUCKET}`], endpoint);
        return [fixed(seconds, 2), fixed(objects / seconds, 0), '–'];
      });
    } else noRclone('audit');

    await measure(`restore ${COUNT} × 16 KiB files`, 'cos-sync restore', async () => {
      const seconds = await cosSync(['restore', path.join(base, 'restore-small'), '--prefix', 'small/', '--concurrency', String(CONCURRENCY)], endpoint);
      return [fixed(seconds, 2), fixed(COUNT / seconds, 0), fixed(smallMiB / seconds, 1)];
    });
    if (hasRclone) {
      await measure(`restore ${COUNT} × 16 KiB files`, 'rclone copy', async () => {
        const seconds = await rclone(['copy', `eng:${BUCKET}/small`, path.join(base, 'rclone-small'), '--transfers', String(CONCURRENCY), '--checkers', String(CONCURRENCY)], endpoint);
        return [fixed(seconds, 2), fixed(COUNT / seconds, 0), fixed(smallMiB / seconds, 1)];
      });
    } else noRclone('restore small');

    await measure(`restore one ${LARGE_MIB} MiB file`, 'cos-sync restore', async () => {
      const seconds = await cosSync(['restore', path.join(base, 'restore-large'), '--prefix', 'large/'], endpoint);
      return [fixed(seconds, 2), '–', fixed(LARGE_MIB / seconds, 1)];
    });
    if (hasRclone) {
      await measure(`restore one ${LARGE_MIB} MiB file`, 'rclone copy', async () => {
        const seconds = await rclone(['copy', `eng:${BUCKET}/large`, path.join(base, 'rclone-large')], endpoint);
        return [fixed(seconds, 2), '–', fixed(LARGE_MIB / seconds, 1)];
      });
    } else noRclone('restore large');
  } finally {
    await engine.stop();
    await rm(base, { recursive: true, force: true });
  }
  printTable(`Backup: audit and restore against the bundled engine (${CONCURRENCY} in flight; audit ${CONCURRENCY * 2} HEADs)`, ['work', 'tool', 'seconds', 'objects/s', 'MB/s'], rows);
  console.log('cos-sync restore also writes each file to a temporary name, fsyncs it, checks its CRC-64 and sets its mtime before the rename; rclone copy checks size and MD5 (ETag) where it can.');
}

await main();
