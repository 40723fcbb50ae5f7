/** One folder pair run outside the app (the `cos-sync sync` command): client, remote store and sync manager. */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CosClient } from '../cos/cosClient.ts';
import { crc64File } from '../protocol/crc64.ts';
import type { SseRequest } from '../protocol/serverSideEncryption.ts';
import type { DeletePolicy } from '../sync/folderConfig.ts';
import { SyncManager } from '../sync/syncManager.ts';
import { nativeWatcherFactory } from '../sync/watcherNative.ts';
import { createCosRemoteStore } from './cosRemoteStore.ts';
import { applyVersionRetention, type VersionRetention } from './versionRetention.ts';

/** Options of {@link startFolderSync}. */
export interface FolderSyncOptions {
  localPath: string;
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  /** PEM certificates to trust for an https endpoint. */
  ca?: string | undefined;
  pathStyle?: boolean;
  prefix: string;
  sse: SseRequest;
  credentials: { secretId: string; secretKey: string };
  journalPath: string;
  deletePolicy?: DeletePolicy;
  /** Watch for changes (false: one pass per start, as `--once`). */
  watch: boolean;
  /** Upload limit in bytes/s (0 = none). */
  bandwidthLimit?: number;
  /** Files uploaded at once (default 4, the folder default); the connection pool grows to match. */
  transfers?: number;
  /**
   * Make the bucket keep old versions for this many days (null: until deleted) before syncing — versioning on,
   * COS Sync's lifecycle rule set (see versionRetention.ts). Undefined leaves the bucket's settings alone.
   */
  keepVersionsDays?: number | null;
}

/** A running folder sync. */
export interface FolderSync {
  manager: SyncManager;
  folderId: string;
  /** What the bucket does with old versions, when {@link FolderSyncOptions.keepVersionsDays} was given and applied. */
  retention?: VersionRetention;
  /** Why the retention could not be applied (the sync runs anyway and reports its own problems). */
  retentionError?: unknown;
  close(): Promise<void>;
}

/** Stable id of a folder pair, so that the journal finds its rows on the next run. */
export function folderPairId(options: Pick<FolderSyncOptions, 'localPath' | 'endpoint' | 'bucket' | 'prefix'>): string {
  return createHash('sha256').update([path.resolve(options.localPath), options.endpoint ?? 'cos', options.bucket, options.prefix].join('\u0000')).digest('hex').slice(0, 16);
}

/** Creates the manager for one folder pair; call `manager.start()` to begin. */
export async function startFolderSync(options: FolderSyncOptions): Promise<FolderSync> {
  await mkdir(path.dirname(options.journalPath), { recursive: true, mode: 0o700 });
  const client = new CosClient({
    credentials: options.credentials,
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.pathStyle ? { pathStyle: true } : {}),
    maxConnections: Math.max(16, options.transfers ?? 0),
  });
  let retention: { retention: VersionRetention } | { retentionError: unknown } | undefined;
  if (options.keepVersionsDays !== undefined) {
    retention = await applyVersionRetention(client, options.bucket, options.keepVersionsDays).then((applied) => ({ retention: applied }), (error: unknown) => ({ retentionError: error }));
  }
  const manager = new SyncManager({
    journalPath: options.journalPath,
    crc64File: async (file, signal) => String(await crc64File(file, signal)),
    // One watch per directory: at 100,000 files chokidar (a watch per file) needs 436 MiB, this 172 (docs/ARCHITECTURE.md).
    ...(options.watch ? { createWatcher: nativeWatcherFactory() } : {}),
    bandwidthLimit: options.bandwidthLimit ?? 0,
    createRemoteStore: (folder) => createCosRemoteStore({ client: () => client, bucket: folder.bucket, sse: options.sse }),
  });
  const folderId = folderPairId(options);
  await manager.addFolder({
    id: folderId,
    localPath: path.resolve(options.localPath),
    profile: 'cli',
    bucket: options.bucket,
    prefix: options.prefix,
    deletePolicy: options.deletePolicy ?? 'keep',
    watch: options.watch,
    ...(options.transfers ? { concurrency: options.transfers } : {}),
  });
  return {
    manager,
    folderId,
    ...retention,
    async close() {
      await manager.dispose();
      await client.close();
    },
  };
}
