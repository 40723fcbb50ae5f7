/**
 * `npm run bench:clients`: the cos-sync CLI (the installed bin, timed from process start) against rclone and the
 * official SDK on one bundled engine, in interleaved runs: many 4 KiB files (upload DIR, sync --once from scratch,
 * the no-change rescan) and one large file (upload, sync --once).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_BUCKET, BENCH_CREDENTIALS, BENCH_REGION, CLI_BIN, median, medianCell, rcloneEnv, runProcess, startEngineChild, type ProcessRun } from './benchKit.ts';
import { writeRandomFile } from './randomFile.ts';
import { printTable, type Cell } from './table.ts';

const MiB = 1024 * 1024;
const SMALL_COUNTS = (process.env.BENCH_CLIENTS_SMALL ?? '2000,10000').split(',').map(Number).filter((count) => count > 0);
const BIG_MIB = Number(process.env.BENCH_CLIENTS_BIG_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_CLIENTS_RUNS ?? 3);
const SDK_UPLOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sdkUpload.ts');
const SINGLE_PUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'singlePut.ts');
const TIMEOUT = 30 * 60_000;
/** Another checkout (say, main before a change) whose CLI runs as an extra column in the same runs (BENCH_BASELINE=DIR). */
const BASELINE = process.env.BENCH_BASELINE;
const ourEnv = { ...process.env, COS_SECRET_ID: BENCH_CREDENTIALS.secretId, COS_SECRET_KEY: BENCH_CREDENTIALS.secretKey };

function writeTree(root: string, count: number): void {
  const data = Buffer.alloc(4096);
  for (let index = 0; index < count; index++) {
    const directory = path.join(root, `d${String(Math.floor(index / 1000)).padStart(3, '0')}`);
    if (index % 1000 === 0) mkdirSync(directory, { recursive: true });
    data.writeUInt32LE(index, 0);
    writeFileSync(path.join(directory, `f${index}.bin`), data);
  }
}

function checked(what: string, run: ProcessRun): number {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return run.seconds;
}

/** One contender of a row: a label and a command that returns wall seconds (process start to exit). */
interface Contender {
  name: string;
  run(round: number): Promise<number>;
}

/** Runs every contender `RUNS` times in rotated order; returns the seconds per contender. */
async function rounds(label: string, contenders: Contender[]): Promise<number[][]> {
  const seconds = contenders.map((): number[] => []);
  for (let round = 0; round < RUNS; round++) {
    for (let offset = 0; offset < contenders.length; offset++) {
      const index = (offset + round) % contenders.length;
      process.stderr.write(`${label}, run ${round + 1}/${RUNS}: ${contenders[index]!.name}…\n`);
      seconds[index]!.push(await contenders[index]!.run(round));
    }
  }
  return seconds;
}

async function main(): Promise<void> {
  const base = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-clients-'));
  const engine = await startEngineChild(path.join(base, 'engine'));
  const rows: Cell[][] = [];
  const rate = (amount: number, seconds: number[]): string => medianCell(seconds.map((value) => amount / value));
  const versus = (mine: number[], theirs: number[]): string => `${(median(theirs) / median(mine)).toFixed(2)}×`;
  const connection = ['--bucket', BENCH_BUCKET, '--region', BENCH_REGION, '--endpoint', engine.endpoint];
  const ours = (args: string[]): Promise<ProcessRun> => runProcess(process.execPath, [CLI_BIN, ...args, ...connection], ourEnv, TIMEOUT);
  const baseline = (args: string[]): Promise<ProcessRun> => runProcess(process.execPath, [path.join(BASELINE ?? '', 'core/cli/bin.js'), ...args, ...connection], ourEnv, TIMEOUT);
  /** The baseline checkout's contender for a row, when one is given. */
  const before = (name: string, run: (round: number) => Promise<number>): Contender[] => (BASELINE ? [{ name: `${name} (baseline)`, run }] : []);
  const baselineCell = (amount: number, seconds: number[] | undefined): Cell[] => (BASELINE ? [seconds ? rate(amount, seconds) : '–'] : []);
  const rclone = (args: string[]): Promise<ProcessRun> => runProcess('rclone', [...args, '--s3-no-check-bucket'], rcloneEnv(engine.endpoint), TIMEOUT);
  const sdk = (target: string, prefix: string): Promise<ProcessRun> => runProcess(process.execPath, [SDK_UPLOAD, String(engine.port), target, prefix], process.env, TIMEOUT);
  const singlePut = (file: string, key: string): Promise<ProcessRun> => runProcess(process.execPath, [SINGLE_PUT, engine.endpoint, file, key], process.env, TIMEOUT);
  const notes: string[] = [];
  try {
    for (const count of SMALL_COUNTS) {
      const tree = path.join(base, `small-${count}`);
      writeTree(tree, count);
      const files = `${count.toLocaleString('en')} × 4 KiB`;
      const syncArgs = (who: string, round: number): string[] => ['sync', tree, '--once', '--journal', path.join(base, `${who}-${count}-${round}.sqlite`), '--prefix', `${who}-sync-${count}-${round}/`];
      const [upload, rcloneCopy, sdkPut, uploadBefore] = await rounds(`${files} upload`, [
        { name: 'cos-sync upload DIR', run: async (round) => checked('cos-sync upload', await ours(['upload', tree, '--prefix', `ours-up-${count}-${round}/`])) },
        { name: 'rclone copy', run: async (round) => checked('rclone copy', await rclone(['copy', tree, `eng:${BENCH_BUCKET}/rclone-${count}-${round}`, '--transfers', '16', '--checkers', '16'])) },
        { name: 'SDK putObject ×16', run: async (round) => checked('SDK', await sdk(tree, `sdk-${count}-${round}/`)) },
        ...before('cos-sync upload DIR', async (round) => checked('baseline upload', await baseline(['upload', tree, '--prefix', `base-up-${count}-${round}/`]))),
      ]);
      rows.push([`${files}: upload DIR (files/s)`, rate(count, upload!), ...baselineCell(count, uploadBefore), rate(count, rcloneCopy!), rate(count, sdkPut!), versus(upload!, rcloneCopy!)]);
      const [syncOnce, syncBefore] = await rounds(`${files} sync --once`, [
        { name: 'cos-sync sync --once', run: async (round) => checked('cos-sync sync', await ours(syncArgs('ours', round))) },
        ...before('cos-sync sync --once', async (round) => checked('baseline sync', await baseline(syncArgs('base', round)))),
      ]);
      rows.push([`${files}: sync --once from scratch (files/s)`, rate(count, syncOnce!), ...baselineCell(count, syncBefore), rate(count, rcloneCopy!), '–', versus(syncOnce!, rcloneCopy!)]);
      const [rescan, rcloneNoop, rescanBefore] = await rounds(`${files} rescan`, [
        { name: 'cos-sync sync --once, unchanged', run: async (round) => checked('cos-sync sync', await ours(syncArgs('ours', round))) },
        { name: 'rclone copy, unchanged', run: async (round) => checked('rclone copy', await rclone(['copy', tree, `eng:${BENCH_BUCKET}/rclone-${count}-${round}`, '--transfers', '16', '--checkers', '16'])) },
        ...before('cos-sync sync --once, unchanged', async (round) => checked('baseline sync', await baseline(syncArgs('base', round)))),
      ]);
      rows.push([`${files}: no-change rescan (files/s)`, rate(count, rescan!), ...baselineCell(count, rescanBefore), rate(count, rcloneNoop!), '–', versus(rescan!, rcloneNoop!)]);
      await rm(tree, { recursive: true, force: true });
    }
    if (BIG_MIB > 0) {
      const big = path.join(base, 'big', 'big.bin');
      mkdirSync(path.dirname(big));
      await writeRandomFile(big, BIG_MIB * MiB);
      const megabytes = (BIG_MIB * MiB) / 1e6;
      const size = BIG_MIB >= 1024 ? `${BIG_MIB / 1024} GiB` : `${BIG_MIB} MiB`;
      const [upload, syncOnce, rcloneCopy, sdkUpload, single, uploadBefore, syncBefore] = await rounds(`${size} file`, [
        { name: 'cos-sync upload', run: async (round) => checked('cos-sync upload', await ours(['upload', big, '--prefix', `ours-big-${round}/`])) },
        { name: 'cos-sync sync --once', run: async (round) => checked('cos-sync sync', await ours(['sync', path.dirname(big), '--once', '--journal', path.join(base, `jb-${round}.sqlite`), '--prefix', `ours-bigsync-${round}/`])) },
        { name: 'rclone copy', run: async (round) => checked('rclone copy', await rclone(['copy', big, `eng:${BENCH_BUCKET}/rclone-big-${round}`, '--s3-upload-concurrency', '4', '--s3-chunk-size', '16M'])) },
        { name: 'SDK sliceUploadFile', run: async (round) => checked('SDK', await sdk(big, `sdk-big-${round}/`)) },
        { name: 'CosClient single PUT', run: async (round) => checked('single PUT', await singlePut(big, `single-big-${round}`)) },
        ...before('cos-sync upload', async (round) => checked('baseline upload', await baseline(['upload', big, '--prefix', `base-big-${round}/`]))),
        ...before('cos-sync sync --once', async (round) => checked('baseline sync', await baseline(['sync', path.dirname(big), '--once', '--journal', path.join(base, `jbb-${round}.sqlite`), '--prefix', `base-bigsync-${round}/`]))),
      ]);
      rows.push([`one ${size} file: upload (MB/s)`, rate(megabytes, upload!), ...baselineCell(megabytes, uploadBefore), rate(megabytes, rcloneCopy!), rate(megabytes, sdkUpload!), versus(upload!, rcloneCopy!)]);
      rows.push([`one ${size} file: sync --once (MB/s)`, rate(megabytes, syncOnce!), ...baselineCell(megabytes, syncBefore), rate(megabytes, rcloneCopy!), '–', versus(syncOnce!, rcloneCopy!)]);
      notes.push(`Multipart vs one PUT of the same ${size} file (CosClient.putObject, process start to exit, same runs): cos-sync upload ${rate(megabytes, upload!)} MB/s = ${Math.round((median(single!) / median(upload!)) * 100)} % of the single PUT's ${rate(megabytes, single!)} MB/s.`);
    }
  } finally {
    await engine.stop();
    await rm(base, { recursive: true, force: true });
  }
  printTable(
    `Clients on one bundled engine, SSE AES256, loopback: wall time from process start (median (min–max) of ${RUNS} interleaved runs; ours/rclone = rclone's time ÷ ours)`,
    ['Workload', 'cos-sync (bin)', ...(BASELINE ? ['cos-sync baseline'] : []), 'rclone', 'official SDK', 'ours/rclone'],
    rows,
  );
  console.log('rclone: --transfers 16 --checkers 16 for files, --s3-upload-concurrency 4 --s3-chunk-size 16M for the large file; the SDK: putObject 16 in flight, sliceUploadFile 16 MiB × 4. cos-sync upload and sync: 32 files in flight (the CLI default --transfers), 4 parts of a large file.');
  for (const note of notes) console.log(note);
}

await main();
