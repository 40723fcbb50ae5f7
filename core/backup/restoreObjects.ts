/** restoreObjects: brings the objects under a prefix back into a folder, verified, with their modification times. */
import { lstat, mkdir, open, rename, utimes } from 'node:fs/promises';
import path from 'node:path';
import { describeError, retryClassOf } from '../common/errors.ts';
import { concurrentEach } from '../common/concurrentEach.ts';
import type { PauseGate } from '../common/pauseGate.ts';
import { MTIME_METADATA, parseMtime } from '../common/mtimeMetadata.ts';
import type { ObjectInfo } from '../cos/objectInfo.ts';
import { CosError } from '../protocol/cosError.ts';
import { crc64File } from '../protocol/crc64.ts';
import { downloadObject } from './downloadObject.ts';
import { linkEscape, restoreTarget } from './restoreTarget.ts';
import type { BackupClient } from './storedEncryption.ts';

const MiB = 1024 * 1024;

/** What happened to one object. */
export type RestoreOutcome = 'restored' | 'identical' | 'kept' | 'refused' | 'failed' | 'folder';

/** One object's result. */
export interface RestoredObject {
  key: string;
  /** The destination path (absent for refused keys). */
  path?: string;
  size: number;
  outcome: RestoreOutcome;
  /** Why it was refused, kept or failed. */
  message?: string;
  /** Bytes a previous run had already fetched (ranged downloads only). */
  resumedBytes?: number;
}

/** Totals of a restore. */
export interface RestoreReport {
  objects: number;
  bytes: number;
  restored: number;
  restoredBytes: number;
  identical: number;
  kept: RestoredObject[];
  refused: RestoredObject[];
  failed: RestoredObject[];
  resumedBytes: number;
  /** Restored files whose object had no CRC-64 (not verifiable). */
  unverified: number;
}

/** Options of {@link restoreObjects}. */
export interface RestoreOptions {
  /** Only keys under this prefix; the prefix is cut from each key to form its relative path. */
  prefix?: string;
  /** Replace local files whose content differs (default: keep them and report). */
  overwrite?: boolean;
  customerKey?: Buffer;
  /** Objects restored at once. Default 4. */
  concurrency?: number;
  /** Range size of large objects. Default 16 MiB. */
  partSize?: number;
  /** Objects at least this large are fetched in resumable ranges. Default 32 MiB. */
  rangedThreshold?: number;
  /** Ranges in flight at once per large object. Default 4. */
  partConcurrency?: number;
  signal?: AbortSignal;
  /** Passed before each object (pause between objects). */
  gate?: PauseGate;
  /** Called once the listing is complete, with the number of objects and their bytes. */
  onListed?: (objects: number, bytes: number) => void;
  /** Bytes received so far (monotonic). */
  onBytes?: (bytes: number) => void;
  onObject?: (object: RestoredObject) => void;
}

async function sameContent(file: string, info: ObjectInfo, signal: AbortSignal | undefined): Promise<boolean> {
  const stats = await lstat(file);
  if (!stats.isFile() || stats.size !== info.size) return false;
  return info.crc64 !== undefined && String(await crc64File(file, signal)) === info.crc64;
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Restores every object under `prefix` into `root`: each one is written to a temporary name, its CRC-64 checked
 * against `x-cos-hash-crc64ecma`, its modification time set from `x-cos-meta-mtime` (else Last-Modified), then
 * renamed, so no partial file ever has the final name. Keys that would escape `root` are refused; a local file
 * with the same content is left alone, one that differs is kept (reported) unless `overwrite`. Stopping errors
 * (credentials, offline, cancelled) and listing failures reject; per-object failures are reported.
 */
export async function restoreObjects(client: BackupClient, bucket: string, root: string, options: RestoreOptions = {}): Promise<RestoreReport> {
  const folder = path.resolve(root);
  const prefix = options.prefix ?? '';
  const signal = options.signal;
  const report: RestoreReport = { objects: 0, bytes: 0, restored: 0, restoredBytes: 0, identical: 0, kept: [], refused: [], failed: [], resumedBytes: 0, unverified: 0 };
  const entries: { key: string; size: number }[] = [];
  for await (const entry of client.listAllObjects(bucket, { prefix, ...(signal ? { signal } : {}) })) entries.push({ key: entry.key, size: entry.size });
  report.objects = entries.length;
  report.bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  options.onListed?.(report.objects, report.bytes);
  await mkdir(folder, { recursive: true });
  const checkedFolders = new Set<string>();
  const touchedFolders = new Set<string>([folder]);
  let received = 0;
  const onBytes = (bytes: number): void => {
    received += bytes;
    options.onBytes?.(received);
  };
  const read = { ...(options.customerKey ? { customerKey: options.customerKey } : {}), ...(signal ? { signal } : {}) };
  const finish = (object: RestoredObject): void => {
    if (object.outcome === 'refused') report.refused.push(object);
    else if (object.outcome === 'failed') report.failed.push(object);
    else if (object.outcome === 'kept') report.kept.push(object);
    else if (object.outcome === 'identical') report.identical++;
    else if (object.outcome === 'restored') {
      report.restored++;
      report.restoredBytes += object.size;
      report.resumedBytes += object.resumedBytes ?? 0;
    }
    options.onObject?.(object);
  };

  const restoreOne = async (entry: { key: string; size: number }): Promise<RestoredObject> => {
    const target = restoreTarget(folder, entry.key.slice(prefix.length));
    if (!target.ok) return { key: entry.key, size: entry.size, outcome: 'refused', message: target.reason };
    const escape = await linkEscape(folder, target.path, checkedFolders);
    if (escape) return { key: entry.key, path: target.path, size: entry.size, outcome: 'refused', message: escape };
    if (target.directory) {
      await mkdir(target.path, { recursive: true });
      return { key: entry.key, path: target.path, size: 0, outcome: 'folder' };
    }
    await mkdir(path.dirname(target.path), { recursive: true });
    const exists = await lstat(target.path).then(() => true, () => false);
    let info: ObjectInfo | undefined;
    if (exists || entry.size >= (options.rangedThreshold ?? 32 * MiB)) info = await client.headObject(bucket, entry.key, read);
    if (exists && info) {
      if (await sameContent(target.path, info, signal)) return { key: entry.key, path: target.path, size: info.size, outcome: 'identical' };
      if (!options.overwrite) return { key: entry.key, path: target.path, size: info.size, outcome: 'kept', message: 'A different local file is in the way; it was kept (use --overwrite to replace it).' };
    }
    const downloaded = await downloadObject(client, {
      bucket, key: entry.key, target: target.path, rangedThreshold: options.rangedThreshold ?? 32 * MiB, partSize: options.partSize ?? 16 * MiB,
      concurrency: options.partConcurrency ?? 4, onBytes, ...(info ? { info } : {}), ...read,
    });
    const modified = parseMtime(downloaded.info.metadata[MTIME_METADATA]) ?? (downloaded.info.lastModified ? Date.parse(downloaded.info.lastModified) : undefined);
    if (modified !== undefined && Number.isFinite(modified)) await utimes(downloaded.temporary, new Date(), modified / 1000);
    await rename(downloaded.temporary, target.path);
    touchedFolders.add(path.dirname(target.path));
    if (!downloaded.crc64Verified) report.unverified++;
    return { key: entry.key, path: target.path, size: downloaded.info.size, outcome: 'restored', resumedBytes: downloaded.resumedBytes };
  };

  await concurrentEach(entries, options.concurrency ?? 4, async (entry) => {
    await options.gate?.wait(signal);
    try {
      finish(await restoreOne(entry));
    } catch (error) {
      const retry = retryClassOf(error);
      if (retry === 'auth' || retry === 'offline' || retry === 'cancelled' || signal?.aborted) throw error;
      const message = error instanceof CosError && error.status === 400 && !options.customerKey
        ? 'The object is encrypted with a customer key (SSE-C): pass the key with --sse-c-key.'
        : describeError(error);
      finish({ key: entry.key, size: entry.size, outcome: 'failed', message });
    }
  }, signal);
  // Renames become durable when their folders are synced; once per folder at the end keeps small files fast, and
  // a crash before it only means the rerun restores those files again.
  for (const touched of touchedFolders) await syncFolder(touched).catch(() => undefined);
  return report;
}
