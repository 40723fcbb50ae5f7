/** `npm run bench:rescan`: a full rescan of N unchanged files (default 100,000), and watching them with each watcher backend, in child processes: seconds from start-up and peak RSS. */
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Journal } from '../core/sync/journal.ts';
import type { RemoteStore } from '../core/sync/remoteStore.ts';
import { SyncManager } from '../core/sync/syncManager.ts';
import { createChokidarWatcher } from '../core/sync/watcherChokidar.ts';
import { nativeWatcherFactory } from '../core/sync/watcherNative.ts';
import { medianCell, runProcess } from './benchKit.ts';
import { printTable } from './table.ts';

const FILES = Number(process.env.BENCH_RESCAN_FILES ?? 100_000);
const RUNS = Number(process.env.BENCH_RESCAN_RUNS ?? 3);
const SELF = fileURLToPath(import.meta.url);
/** Keep the prepared tree and journal here (and reuse them when they exist), for profiling the child by hand. */
const KEEP = process.env.BENCH_RESCAN_DIR;
/** Another checkout with this bench file (say, main before a change): its rescan runs as an extra row (BENCH_BASELINE=DIR). */
const BASELINE = process.env.BENCH_BASELINE && existsSync(path.join(process.env.BENCH_BASELINE, 'bench/rescan.ts')) ? process.env.BENCH_BASELINE : undefined;
const FOLDER_ID = 'bench';

/** A remote that must not be reached: an unchanged rescan sends nothing. */
const unreachable = (): RemoteStore => {
  const fail = (): never => {
    throw new Error('an unchanged rescan reached the remote');
  };
  return { uploadFile: fail, copyObject: fail, deleteObject: fail, headObject: fail, listObjects: fail };
};

/** `count` files of 1 KiB, 1,000 per directory, each recorded in the journal as synced with its current stamp. */
function prepare(root: string, journalPath: string, count: number): void {
  const journal = Journal.open(journalPath);
  try {
    journal.registerFolder(FOLDER_ID, root);
    const data = Buffer.alloc(1024);
    journal.transaction(() => {
      for (let index = 0; index < count; index++) {
        const directory = `d${String(Math.floor(index / 1000)).padStart(3, '0')}`;
        if (index % 1000 === 0) mkdirSync(path.join(root, directory), { recursive: true });
        const relative = `${directory}/f${index}.bin`;
        data.writeUInt32LE(index, 0);
        writeFileSync(path.join(root, relative), data);
        const stats = lstatSync(path.join(root, relative));
        journal.markRemote(FOLDER_ID, relative, 'synced', { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino }, { crc64: String(index), etag: `"${index}"`, encryption: { algorithm: 'AES256' }, uploaded: true });
        journal.setVerified(FOLDER_ID, relative, { algorithm: 'AES256' });
      }
    });
    journal.setRemoteListed(FOLDER_ID);
  } finally {
    journal.close();
  }
}

/** Watcher backends measured: none (the rescan alone), chokidar (one watch per file), fs.watch (one per directory). */
const BACKENDS = { none: undefined, chokidar: () => createChokidarWatcher, native: () => nativeWatcherFactory() } as const;
type Backend = keyof typeof BACKENDS;

/** The child: one SyncManager pass over the folder (watching with `backend`); prints seconds (from process start), CPU seconds (user + system, the cost without the waits for a busy machine's cores) and peak RSS. */
async function child(root: string, journalPath: string, backend: Backend): Promise<void> {
  const createWatcher = BACKENDS[backend]?.();
  const manager = new SyncManager({ journalPath, crc64File: async () => '0', createRemoteStore: unreachable, ...(createWatcher ? { createWatcher } : {}) });
  const loop = await manager.addFolder({ id: FOLDER_ID, profile: 'bench', bucket: 'bench-1250000000', localPath: root, prefix: 'tree/', watch: createWatcher !== undefined });
  await manager.start();
  await manager.whenIdle();
  if (loop.status.state !== 'idle') throw new Error(`the pass ended ${JSON.stringify(loop.status)}`);
  const seconds = performance.now() / 1000;
  await manager.dispose();
  const usage = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMiB: usage.maxRSS / 1024 })}\n`);
}

async function main(): Promise<void> {
  const base = KEEP ?? (await mkdtemp(path.join(tmpdir(), 'cos-sync-bench-rescan-')));
  try {
    const root = path.join(base, 'tree');
    const journalPath = path.join(base, 'journal.sqlite');
    if (!KEEP || !existsSync(journalPath)) {
      process.stderr.write(`writing ${FILES} files…\n`);
      mkdirSync(base, { recursive: true });
      prepare(root, journalPath, FILES);
    }
    const rowKeys: (Backend | 'baseline')[] = [...(Object.keys(BACKENDS) as Backend[]), ...(BASELINE ? ['baseline' as const] : [])];
    const measurements = new Map(rowKeys.map((key) => [key, { seconds: [] as number[], cpu: [] as number[], rss: [] as number[] }]));
    // The children keep Node's compile cache as the installed bin does (core/cli/bin.js); one unmeasured run of each
    // checkout fills it, and warms the page cache, so that no row pays for it alone.
    const env = { ...process.env, NODE_COMPILE_CACHE: path.join(base, 'compile-cache') };
    const runChild = async (key: Backend | 'baseline'): Promise<{ seconds: number; cpuSeconds?: number; maxRssMiB: number }> => {
      const script = key === 'baseline' ? path.join(BASELINE!, 'bench/rescan.ts') : SELF;
      const result = await runProcess(process.execPath, [...process.execArgv, script, '--child', root, journalPath, key === 'baseline' ? 'none' : key], env, 10 * 60_000);
      if (result.code !== 0) throw new Error(`the ${key} child exited ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
      return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpuSeconds?: number; maxRssMiB: number };
    };
    for (const warmed of rowKeys.filter((key) => key === 'none' || key === 'baseline')) await runChild(warmed);
    for (let run = 0; run < RUNS; run++) {
      for (const [key, measured] of measurements) {
        const outcome = await runChild(key);
        measured.seconds.push(outcome.seconds);
        // A baseline checkout's child may not report CPU time yet.
        if (typeof outcome.cpuSeconds === 'number') measured.cpu.push(outcome.cpuSeconds);
        measured.rss.push(outcome.maxRssMiB);
      }
    }
    const label: Record<Backend | 'baseline', string> = {
      baseline: 'rescan, nothing changed (no watcher), baseline checkout',
      none: 'rescan, nothing changed (no watcher)',
      chokidar: 'watch start-up + rescan, chokidar (a watch per file)',
      native: 'watch start-up + rescan, fs.watch backend (a watch per directory)',
    };
    printTable(
      `${FILES.toLocaleString('en')} unchanged files: full rescan and watcher start-up (child process, time from process start until the first pass is idle, Node's compile cache on as in the bin; median (min–max) of ${RUNS})`,
      ['Measurement', 'seconds', 'CPU seconds', 'peak RSS MiB', 'goal'],
      [...measurements].map(([key, measured]) => [label[key], medianCell(measured.seconds, 2), medianCell(measured.cpu, 2), medianCell(measured.rss), key === 'none' || key === 'baseline' ? '≤ 2 s, ≤ 200 MiB' : '≤ 300 MiB']),
    );
  } finally {
    if (!KEEP) await rm(base, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, (process.argv[5] ?? 'none') as Backend);
else await main();
