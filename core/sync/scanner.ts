/** The scanner: walks (part of) a folder, stats every entry and computes CRC-64 only for files whose size/mtime/inode changed. */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MARKER_FILE } from './folderConfig.ts';
import type { IgnoreRules } from './ignoreRules.ts';
import type { JournalEntry } from './journal.ts';
import type { LocalEntry } from './planner.ts';

/** Computes the CRC-64/ECMA-182 of a file as a decimal string (injected: the real one lives in core/protocol). */
export type Crc64File = (filePath: string, signal?: AbortSignal) => Promise<string>;

/** Options of {@link scanFolder}. */
export interface ScanOptions {
  /** Absolute folder root. */
  root: string;
  rules: IgnoreRules;
  crc64File: Crc64File;
  /** Journal rows by path: a file whose size, mtime and inode equal its row (with a CRC) is not read. */
  known: ReadonlyMap<string, JournalEntry>;
  /** Relative paths to scan (files, or directories = whole subtree); undefined scans the whole folder. */
  paths?: readonly string[];
  /**
   * Whether a file without a journal row must be read for its CRC-64: only when it may equal something (a remote
   * object at its path, known content of its size). Unread files get no CRC (the upload's stands for it). Default: read.
   */
  needsCrc?: (relative: string, size: number) => boolean;
  /** Files hashed at once (small files are latency-bound, so several in flight). Default 8. */
  crcConcurrency?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/** What a scan found, and which part of the journal it covers. */
export interface ScanResult {
  entries: LocalEntry[];
  /** The scope: exact paths and subtrees ('' = everything) whose journal rows the planner must compare with. */
  scope: { paths: string[]; directories: string[] };
  /** Directories that could not be read: their journal rows must not be taken as deleted. */
  incompleteDirectories: string[];
  /** Problems met (unreadable directories, stat failures). */
  errors: { path: string; message: string }[];
  /** Whether the folder root holds the `.cos-sync-root` marker. */
  markerPresent: boolean;
  /** Files whose CRC was computed (not reused from the journal). */
  hashed: number;
}

/** Why a non-regular entry is skipped, or undefined for regular files and directories. */
export function exclusionReason(entry: Dirent | Stats): string | undefined {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isSocket()) return 'socket';
  if (entry.isFIFO()) return 'fifo';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'device';
  return undefined;
}

/** True when a proper ancestor directory of `relative` ('' included) is also requested. */
function hasRequestedAncestor(relative: string, requested: ReadonlySet<string>): boolean {
  if (relative === '') return false;
  if (requested.has('')) return true;
  for (let slash = relative.indexOf('/'); slash !== -1; slash = relative.indexOf('/', slash + 1)) {
    if (requested.has(relative.slice(0, slash))) return true;
  }
  return false;
}

/** Scans the folder (or the given paths) and returns local entries for the planner. Never follows symlinks. */
export async function scanFolder(options: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = { entries: [], scope: { paths: [], directories: [] }, incompleteDirectories: [], errors: [], markerPresent: false, hashed: 0 };
  // Only the stamp is kept per file: a whole fs.Stats each made a rescan of 100,000 files cost hundreds of MiB.
  const found: { relative: string; stamp: { size: number; mtimeMs: number; inode: number } }[] = [];
  const directories: string[] = [];
  const { rules, root } = options;

  const visit = (relative: string, stats: Stats): void => {
    const reason = exclusionReason(stats);
    if (stats.isDirectory()) {
      if (!rules.ignores(relative, true)) directories.push(relative);
    } else if (rules.ignores(relative, false)) {
      return;
    } else if (reason) {
      result.entries.push({ path: relative, kind: 'excluded', reason, size: stats.size, mtimeMs: stats.mtimeMs });
    } else {
      found.push({ relative, stamp: { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino } });
    }
  };

  if (options.paths === undefined) {
    result.scope.directories.push('');
    directories.push('');
  } else {
    const requested = new Set(options.paths);
    for (const relative of requested) {
      // A path inside another requested directory is scanned with it; visiting it again would list its files twice.
      if (hasRequestedAncestor(relative, requested)) continue;
      if (relative === '') {
        result.scope.directories.push('');
        directories.push('');
        continue;
      }
      if (ancestorIgnored(rules, relative)) continue;
      // Whatever the journal held there, file or subtree (a directory may have become a file), is in scope.
      result.scope.paths.push(relative);
      result.scope.directories.push(relative);
      try {
        visit(relative, await lstat(path.join(root, relative)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          result.incompleteDirectories.push(relative);
          result.errors.push({ path: relative, message: (error as Error).message });
        }
      }
    }
  }

  while (directories.length > 0) {
    options.signal?.throwIfAborted();
    const relative = directories.pop()!;
    let children: Dirent[];
    try {
      children = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      result.incompleteDirectories.push(relative);
      result.errors.push({ path: relative, message: (error as Error).message });
      continue;
    }
    // A bounded batch of lstat calls at a time: a directory of thousands of files must not hold thousands of Stats.
    for (let batch = 0; batch < children.length; batch += 64) {
      await Promise.all(
        children.slice(batch, batch + 64).map(async (child) => {
          const childRelative = relative === '' ? child.name : `${relative}/${child.name}`;
          try {
            visit(childRelative, await lstat(path.join(root, childRelative)));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') result.errors.push({ path: childRelative, message: (error as Error).message });
          }
        }),
      );
    }
  }

  await hashChanged(found, options, result);
  try {
    result.markerPresent = (await lstat(path.join(root, MARKER_FILE))).isFile();
  } catch {
    result.markerPresent = false;
  }
  return result;
}

/**
 * Reuses the journal's CRC for unchanged files and hashes the others that need it (`isNew`: the file has no journal
 * row; by default, none in `known`), a few at a time; appends to `result.entries`.
 */
export async function hashChanged(
  found: { relative: string; stamp: { size: number; mtimeMs: number; inode: number }; isNew?: boolean }[], options: Omit<ScanOptions, 'rules'>, result: ScanResult,
): Promise<void> {
  let done = 0;
  const total = found.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < found.length) {
      const { relative, stamp, isNew } = found[next++]!;
      options.signal?.throwIfAborted();
      const known = options.known.get(relative);
      if (known?.crc64 !== undefined && known.size === stamp.size && known.mtimeMs === stamp.mtimeMs && known.inode === stamp.inode) {
        result.entries.push({ path: relative, kind: 'file', ...stamp, crc64: known.crc64 });
      } else if ((isNew ?? !known) && options.needsCrc?.(relative, stamp.size) === false) {
        result.entries.push({ path: relative, kind: 'file', ...stamp });
      } else {
        try {
          const crc64 = await options.crc64File(path.join(options.root, relative), options.signal);
          result.hashed++;
          result.entries.push({ path: relative, kind: 'file', ...stamp, crc64 });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') continue;
          if (options.signal?.aborted) throw error;
          result.entries.push({ path: relative, kind: 'unreadable', message: (error as Error).message, ...stamp });
        }
      }
      options.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.crcConcurrency ?? 8) }, worker));
}

/** True when a parent directory of `relative` is ignored (events inside ignored trees are dropped). */
function ancestorIgnored(rules: IgnoreRules, relative: string): boolean {
  const parts = relative.split('/');
  for (let i = 1; i < parts.length; i++) if (rules.ignores(parts.slice(0, i).join('/'), true)) return true;
  return false;
}
