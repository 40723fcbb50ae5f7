/** Sync benchmark against the bundled engine (child process), side by side with rclone where it applies: `npm run bench:sync`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createCosRemoteStore } from '../core/app/cosRemoteStore.ts';
import { CosClient } from '../core/cos/cosClient.ts';
import { crc64, crc64File } from '../core/protocol/crc64.ts';
import type { FolderConfig } from '../core/sync/folderConfig.ts';
import { SyncManager } from '../core/sync/syncManager.ts';
import { createChokidarWatcher } from '../core/sync/watcherChokidar.ts';
import { nativeWatcherFactory } from '../core/sync/watcherNative.ts';
import { BENCH_BUCKET, BENCH_CREDENTIALS, BENCH_REGION, rcloneEnv, runProcess, startEngineChild } from './benchKit.ts';
import { writeRandomFile } from './randomFile.ts';
import { printTable, type Cell } from './table.ts';

const MiB = 1024 * 1024;
const BUCKET = BENCH_BUCKET;
const REGION = BENCH_REGION;
const CREDENTIALS = BENCH_CREDENTIALS;
const SELF = fileURLToPath(import.meta.url);
/** Files in flight: our default FolderConfig.concurrency, and rclone's --transfers. */
const CONCURRENCY = 4;
const SMALL_FILES = Number(process.env.BENCH_SYNC_SMALL ?? 10_000);
const BIG_MIB = Number(process.env.BENCH_SYNC_BIG_MIB ?? 1024);
const EDITS = Number(process.env.BENCH_SYNC_EDITS ?? 100);
const TREE_FILES = Number(process.env.BENCH_SYNC_TREE ?? 100_000);
const IDLE_SECONDS = Number(process.env.BENCH_SYNC_IDLE_S ?? 30);
/** Row groups to run (BENCH_SYNC_ROWS=small,big,latency,tree; default all): `npm run bench` runs only the latency row, the others have their own benches. */
const ROW_GROUPS = new Set((process.env.BENCH_SYNC_ROWS ?? 'small,big,latency,tree').split(','));
/** The whole run stops (remaining rows marked) after this long. */
const BUDGET_MS = Number(process.env.BENCH_SYNC_BUDGET_MIN ?? 25) * 60_000;

/** What a child run (`bench/sync.ts --child JSON`) is asked to do. */
interface ChildTask {
  mode: 'rescan' | 'idle';
  root: string;
  journalPath: string;
  endpoint: string;
  prefix: string;
  watcher?: 'chokidar' | 'native';
  idleSeconds?: number;
}

function newManager(endpoint: string, journalPath: string, watcher: 'chokidar' | 'native' | undefined): { manager: SyncManager; client: CosClient } {
  const client = new CosClient({ credentials: CREDENTIALS, region: REGION, endpoint });
  const manager = new SyncManager({
    journalPath,
    crc64File: async (file, signal) => String(await crc64File(file, signal)),
    ...(watcher === 'chokidar' ? { createWatcher: createChokidarWatcher } : watcher === 'native' ? { createWatcher: nativeWatcherFactory() } : {}),
    createRemoteStore: (folder) => createCosRemoteStore({ client: () => client, bucket: folder.bucket, sse: { mode: 'AES256' } }),
  });
  return { manager, client };
}

/** Adds the pair, starts, and waits until the first pass ended idle; returns the seconds it took. */
async function runPass(manager: SyncManager, config: Omit<FolderConfig, 'id' | 'profile' | 'bucket'>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const loop = await manager.addFolder({ id: 'bench', profile: 'bench', bucket: BUCKET, concurrency: CONCURRENCY, ...config });
  // The pair id is the same in every run: a child reopening a journal finds the rows of the parent's pass.
  await manager.start();
  const end = Date.now() + timeoutMs;
  for (;;) {
    await manager.whenIdle();
    const state = loop.status.state;
    if (state === 'idle') break;
    if (state === 'error' || state === 'offline' || Date.now() > end) throw new Error(`the pass ended in state ${state}`);
    await delay(20);
  }
  return (performance.now() - started) / 1000;
}

async function childMain(task: ChildTask): Promise<void> {
  const { manager, client } = newManager(task.endpoint, task.journalPath, task.watcher);
  const seconds = await runPass(manager, { localPath: task.root, prefix: task.prefix, watch: task.mode === 'idle' }, 30 * 60_000);
  const result: Record<string, number> = { seconds };
  if (task.mode === 'idle') {
    await delay(1000);
    const before = process.cpuUsage();
    const wall = performance.now();
    await delay((task.idleSeconds ?? 30) * 1000);
    const used = process.cpuUsage(before);
    result.cpuSeconds = (used.user + used.system) / 1e6;
    result.wallSeconds = (performance.now() - wall) / 1000;
  }
  result.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  await manager.dispose();
  await client.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function runChild(task: ChildTask, timeoutMs: number): Promise<Record<string, number>> {
  const result = await runProcess(process.execPath, [SELF, '--child', JSON.stringify(task)], process.env, timeoutMs);
  if (result.code !== 0) throw new Error(`child ${task.mode} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

async function rclone(endpoint: string, args: string[], timeoutMs: number): Promise<{ seconds: number; peakRssMiB: number }> {
  const result = await runProcess('rclone', [...args, '--s3-no-check-bucket'], rcloneEnv(endpoint), timeoutMs);
  if (result.code !== 0) throw new Error(`rclone ${args[0]} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
  return { seconds: result.seconds, peakRssMiB: result.peakRssMiB };
}

async function rcloneAvailable(): Promise<boolean> {
  return runProcess('rclone', ['version'], rcloneEnv(''), 10_000).then((r) => r.code === 0, () => false);
}

function writeTree(root: string, count: number, size: number): void {
  const data = Buffer.alloc(size);
  const perDirectory = 1000;
  for (let index = 0; index < count; index++) {
    const directory = path.join(root, `d${String(Math.floor(index / perDirectory)).padStart(3, '0')}`);
    if (index % perDirectory === 0) mkdirSync(directory, { recursive: true });
    data.writeUInt32LE(index, 0);
    writeFileSync(path.join(directory, `f${index}.bin`), data);
  }
}


const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const fixed = (value: number, digits: number): string => value.toFixed(digits);

async function main(): Promise<void> {
  const deadline = Date.now() + BUDGET_MS;
  const base = await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-sync-'));
  const rows: Cell[][] = [];
  const engine = await startEngineChild(path.join(base, 'engine'));
  const endpoint = engine.endpoint;
  const stopEngine = (): void => void engine.child.kill('SIGTERM');
  process.once('SIGINT', stopEngine);
  const hasRclone = await rcloneAvailable();
  const remaining = (): number => deadline - Date.now();
  /** Runs one measurement unless the budget is spent; failures become the row's text. */
  const measure = async (group: string, label: string, work: () => Promise<Cell[]>): Promise<void> => {
    if (!ROW_GROUPS.has(group)) return;
    if (remaining() <= 0) return void rows.push([label, 'skipped (time budget)', '', '']);
    process.stderr.write(`bench:sync ${label}…\n`);
    try {
      rows.push([label, ...(await work())]);
    } catch (error) {
      rows.push([label, `failed: ${error instanceof Error ? error.message : String(error)}`, '', '']);
    }
  };
  const rcloneCell = async (work: () => Promise<string>): Promise<string> => {
    if (!hasRclone) return 'not installed';
    try {
      return await work();
    } catch (error) {
      return `failed: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`;
    }
  };

  try {
    await measure('small', `Initial sync, ${SMALL_FILES.toLocaleString('en')} × 4 KiB (files/s)`, async () => {
      const root = path.join(base, 'small');
      writeTree(root, SMALL_FILES, 4096);
      const { manager, client } = newManager(endpoint, path.join(base, 'small.sqlite'), undefined);
      let seconds: number;
      try {
        seconds = await runPass(manager, { localPath: root, prefix: 'ours-small/', watch: false }, remaining());
      } finally {
        await manager.dispose();
        await client.close();
      }
      const theirs = await rcloneCell(async () => {
        const result = await rclone(endpoint, ['copy', root, `eng:${BUCKET}/rclone-small`, '--transfers', String(CONCURRENCY)], remaining());
        return fixed(SMALL_FILES / result.seconds, 0);
      });
      return [fixed(SMALL_FILES / seconds, 0), theirs, `${CONCURRENCY} files in flight; ours: CRC-64 computed while uploading, a journal record per file`];
    });

    await measure('big', `One ${BIG_MIB >= 1024 ? `${BIG_MIB / 1024} GiB` : `${BIG_MIB} MiB`} file (MB/s)`, async () => {
      const root = path.join(base, 'big');
      mkdirSync(root);
      await writeRandomFile(path.join(root, 'big.bin'), BIG_MIB * MiB);
      const { manager, client } = newManager(endpoint, path.join(base, 'big.sqlite'), undefined);
      let seconds: number;
      try {
        seconds = await runPass(manager, { localPath: root, prefix: 'ours-big/', watch: false }, remaining());
      } finally {
        await manager.dispose();
        await client.close();
      }
      const megabytes = (BIG_MIB * MiB) / 1e6;
      const theirs = await rcloneCell(async () => fixed(megabytes / (await rclone(endpoint, ['copy', root, `eng:${BUCKET}/rclone-big`], remaining())).seconds, 0));
      await rm(root, { recursive: true, force: true });
      return [fixed(megabytes / seconds, 0), theirs, 'ours: multipart 8 MiB × 4 parts, CRC-64 computed while uploading; rclone: defaults (5 MiB chunks × 4)'];
    });

    await measure('latency', `Change-to-remote latency over ${EDITS} edits, p50 / p95 (s)`, async () => {
      const root = path.join(base, 'edits');
      mkdirSync(root);
      writeFileSync(path.join(root, 'edited.txt'), 'initial');
      const { manager, client } = newManager(endpoint, path.join(base, 'edits.sqlite'), 'native');
      const latencies: number[] = [];
      // Where each edit's time went: until its upload began (watch event, debounce, scan), until the journal recorded
      // it synced (upload), until this bench's HEAD saw it (polling).
      const phases = { started: [] as number[], synced: [] as number[] };
      let edited = 0;
      let marks: { started?: number; synced?: number } = {};
      manager.on('file-status', (event) => {
        if (event.path !== 'edited.txt') return;
        if (event.state === 'uploading' && marks.started === undefined) marks.started = performance.now() - edited;
        if (event.state === 'synced') marks.synced = performance.now() - edited;
      });
      try {
        await runPass(manager, { localPath: root, prefix: 'ours-edits/', watch: true }, remaining());
        for (let edit = 0; edit < EDITS && remaining() > 0; edit++) {
          const content = Buffer.from(`edit ${edit} ${Math.random()}\n`.repeat(20));
          const expected = crc64(content).toString();
          marks = {};
          edited = performance.now();
          writeFileSync(path.join(root, 'edited.txt'), content);
          for (;;) {
            const head = await client.headObject(BUCKET, 'ours-edits/edited.txt');
            if (head.crc64 === expected) break;
            if (performance.now() - edited > 30_000) throw new Error(`edit ${edit} did not reach the remote in 30 s`);
            await delay(10);
          }
          latencies.push((performance.now() - edited) / 1000);
          await manager.whenIdle();
          if (marks.started !== undefined && marks.synced !== undefined) {
            phases.started.push(marks.started / 1000);
            phases.synced.push(marks.synced / 1000);
          }
        }
      } finally {
        await manager.dispose();
        await client.close();
      }
      const split = (values: number[]): string => `${fixed(percentile(values, 50), 2)}/${fixed(percentile(values, 95), 2)}`;
      return [
        `${fixed(percentile(latencies, 50), 2)} / ${fixed(percentile(latencies, 95), 2)}`,
        'n/a (no watcher)',
        `fs.watch backend (the default), debounce 300 ms; p50/p95 s until the upload began ${split(phases.started)}, until recorded synced ${split(phases.synced)}; HEAD polled every 10 ms; n=${latencies.length}`,
      ];
    });

    const tree = path.join(base, 'tree');
    const treeJournal = path.join(base, 'tree.sqlite');
    let treeReady = false;
    await measure('tree', `Initial sync, ${TREE_FILES.toLocaleString('en')} × 1 KiB (files/s), setup for the rows below`, async () => {
      writeTree(tree, TREE_FILES, 1024);
      const { manager, client } = newManager(endpoint, treeJournal, undefined);
      try {
        const seconds = await runPass(manager, { localPath: tree, prefix: 'ours-tree/', watch: false, concurrency: 16 }, remaining());
        treeReady = true;
        return [fixed(TREE_FILES / seconds, 0), 'not run', '16 files in flight; populates the journal and the remote for the rescan and idle rows'];
      } finally {
        await manager.dispose();
        await client.close();
      }
    });

    await measure('tree', `Rescan of ${TREE_FILES.toLocaleString('en')} unchanged files (s / peak RSS MiB)`, async () => {
      if (!treeReady) throw new Error('the tree was not synced');
      const ours = await runChild({ mode: 'rescan', root: tree, journalPath: treeJournal, endpoint, prefix: 'ours-tree/' }, remaining());
      const theirs = await rcloneCell(async () => {
        const result = await rclone(endpoint, ['copy', tree, `eng:${BUCKET}/ours-tree`, '--size-only', '--transfers', String(CONCURRENCY)], remaining());
        return `${fixed(result.seconds, 1)} / ${fixed(result.peakRssMiB, 0)}`;
      });
      return [`${fixed(ours.seconds!, 1)} / ${fixed(ours.maxRssMiB!, 0)}`, theirs, 'ours: child process, journal stat compare; rclone: no-op copy --size-only (list + compare)'];
    });

    for (const watcher of ['chokidar', 'native'] as const) {
      await measure('tree', `Idle CPU watching ${TREE_FILES.toLocaleString('en')} files, ${watcher === 'chokidar' ? 'chokidar' : 'fs.watch backend'} (CPU s / ${IDLE_SECONDS} s)`, async () => {
        if (!treeReady) throw new Error('the tree was not synced');
        const result = await runChild({ mode: 'idle', root: tree, journalPath: treeJournal, endpoint, prefix: 'ours-tree/', watcher, idleSeconds: IDLE_SECONDS }, remaining());
        return [fixed(result.cpuSeconds!, 2), 'n/a (no watcher)', `start-up (watch + rescan) ${fixed(result.seconds!, 1)} s, peak RSS ${fixed(result.maxRssMiB!, 0)} MiB`];
      });
    }
  } finally {
    process.off('SIGINT', stopEngine);
    await engine.stop();
    await rm(base, { recursive: true, force: true });
  }
  printTable(`Sync vs rclone against the bundled engine (loopback; ${CONCURRENCY} files in flight)`, ['Measurement', 'COS Sync', 'rclone', 'Notes'], rows);
}

if (process.argv[2] === '--child') await childMain(JSON.parse(process.argv[3]!) as ChildTask);
else await main();
