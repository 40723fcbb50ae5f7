/** A full scan as a streamed, sorted merge of the directory walk against the journal: only the differences are kept in memory. */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MARKER_FILE } from './folderConfig.ts';
import type { IgnoreRules } from './ignoreRules.ts';
import type { JournalEntry } from './journal.ts';
import type { LocalEntry } from './planner.ts';
import { exclusionReason, hashChanged, type Crc64File, type ScanResult } from './scanner.ts';

/** Options of {@link scanAgainstJournal}. */
export interface MergedScanOptions {
  /** Absolute folder root. */
  root: string;
  rules: IgnoreRules;
  crc64File: Crc64File;
  /** The folder's journal rows in {@link compareUtf8} order of their paths (SQLite's BINARY order), read lazily. */
  rows: Iterable<JournalEntry>;
  /** Rows with remote content of this size and CRC-64 anywhere in the folder (server-side copy sources for new files). */
  contentRows(size: number, crc64: string): JournalEntry[];
  crcConcurrency?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/** A full scan's differences: `entries` and `known` hold only paths where the planner may have something to do. */
export interface MergedScanResult extends ScanResult {
  /** Journal rows of the paths in `entries`, of vanished paths, and of unchanged copy sources. */
  known: JournalEntry[];
  /** Files whose stamp equals their synced row: no entry, no row, nothing to do. */
  unchanged: number;
  /**
   * False when the walk met a path out of journal order (never expected): a row may then have been taken as
   * vanished while its file is present, so the caller must not plan from this result (it scans the classic way).
   */
  ordered: boolean;
}

/**
 * Compares strings by the UTF-8 bytes they encode (SQLite's BINARY collation), not by UTF-16 code units: the two
 * orders differ only where a surrogate pair (code points above U+FFFF) meets a code unit from U+E000 to U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const rank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

const hasRemoteContent = (row: JournalEntry): boolean => row.state === 'synced' || row.state === 'identical';
const sameStamp = (row: JournalEntry, stamp: { size: number; mtimeMs: number; inode: number }): boolean =>
  row.size === stamp.size && row.mtimeMs === stamp.mtimeMs && row.inode === stamp.inode;

/** Stats a directory's children, a bounded batch at a time; entries that vanished meanwhile are left out. */
async function statChildren(directory: string, relative: string, children: Dirent[], errors: ScanResult['errors']): Promise<{ relative: string; stats: Stats }[]> {
  const stated: { relative: string; stats: Stats }[] = [];
  for (let batch = 0; batch < children.length; batch += 64) {
    await Promise.all(
      children.slice(batch, batch + 64).map(async (child) => {
        const childRelative = relative === '' ? child.name : `${relative}/${child.name}`;
        try {
          stated.push({ relative: childRelative, stats: await lstat(path.join(directory, child.name)) });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') errors.push({ path: childRelative, message: (error as Error).message });
        }
      }),
    );
  }
  return stated;
}

/**
 * Walks the whole folder depth-first in the journal's path order (siblings sorted with directories keyed as
 * `name/`, so every path comes out in byte order) and advances through the journal rows alongside. A file whose
 * size, mtime and inode equal its synced row is counted and forgotten at once; everything else (new, changed,
 * excluded, vanished) is collected for the planner, and only those files are hashed. Memory grows with the
 * differences and the widest directory, not with the folder.
 */
export async function scanAgainstJournal(options: MergedScanOptions): Promise<MergedScanResult> {
  const result: MergedScanResult = { entries: [], known: [], unchanged: 0, ordered: true, scope: { paths: [], directories: [''] }, incompleteDirectories: [], errors: [], markerPresent: false, hashed: 0 };
  const { rules, root } = options;
  const rows = options.rows[Symbol.iterator]();
  let row = rows.next();
  const toHash: { relative: string; stamp: { size: number; mtimeMs: number; inode: number } }[] = [];

  /** Rows before `relative` have no local file any more; the row at `relative`, if any, is returned and consumed. */
  const rowAt = (relative: string): JournalEntry | undefined => {
    while (!row.done && compareUtf8(row.value.path, relative) < 0) {
      result.known.push(row.value);
      row = rows.next();
    }
    if (row.done || row.value.path !== relative) return undefined;
    const found = row.value;
    row = rows.next();
    return found;
  };

  let previous: string | undefined;
  const visitFile = (relative: string, stats: Stats): void => {
    if (previous !== undefined && compareUtf8(relative, previous) <= 0) result.ordered = false;
    previous = relative;
    if (rules.ignores(relative, false)) return;
    const known = rowAt(relative);
    const reason = exclusionReason(stats);
    const stamp = { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino };
    if (reason) {
      result.entries.push({ path: relative, kind: 'excluded', reason, size: stats.size, mtimeMs: stats.mtimeMs });
      if (known) result.known.push(known);
      return;
    }
    if (known && hasRemoteContent(known) && known.crc64 !== undefined && sameStamp(known, stamp)) {
      result.unchanged++;
      return;
    }
    if (known) result.known.push(known);
    if (known?.crc64 !== undefined && sameStamp(known, stamp)) result.entries.push({ path: relative, kind: 'file', ...stamp, crc64: known.crc64 });
    else toHash.push({ relative, stamp });
  };

  const walk = async (relative: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const directory = path.join(root, relative);
    let children: Dirent[];
    try {
      children = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      result.incompleteDirectories.push(relative);
      result.errors.push({ path: relative, message: (error as Error).message });
      return;
    }
    const stated = await statChildren(directory, relative, children, result.errors);
    const key = (entry: { relative: string; stats: Stats }): string => (entry.stats.isDirectory() ? `${entry.relative}/` : entry.relative);
    stated.sort((a, b) => compareUtf8(key(a), key(b)));
    for (const entry of stated) {
      if (!entry.stats.isDirectory()) visitFile(entry.relative, entry.stats);
      else if (!rules.ignores(entry.relative, true)) await walk(entry.relative);
      // An ignored directory is not walked: its rows come out as vanished, and the planner marks them excluded.
    }
  };

  await walk('');
  for (; !row.done; row = rows.next()) result.known.push(row.value);

  const hashedFrom = result.entries.length;
  await hashChanged(toHash, { ...options, known: new Map() }, result);
  await addCopySources(options, result, hashedFrom);
  try {
    result.markerPresent = (await lstat(path.join(root, MARKER_FILE))).isFile();
  } catch {
    result.markerPresent = false;
  }
  return result;
}

/**
 * For each new file, unchanged rows elsewhere with the same content join the plan with their (still equal) local
 * stamp, so the planner can copy on the server instead of uploading again, as it would with the whole folder.
 */
async function addCopySources(options: MergedScanOptions, result: MergedScanResult, from: number): Promise<void> {
  const inPlan = new Set(result.known.map((entry) => entry.path));
  for (const entry of result.entries.slice(from) as LocalEntry[]) {
    if (entry.kind !== 'file' || inPlan.has(entry.path)) continue;
    for (const candidate of options.contentRows(entry.size, entry.crc64)) {
      if (inPlan.has(candidate.path) || !hasRemoteContent(candidate) || candidate.crc64 === undefined) continue;
      const stats = await lstat(path.join(options.root, candidate.path)).catch(() => undefined);
      if (!stats?.isFile() || !sameStamp(candidate, { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino })) continue;
      inPlan.add(candidate.path);
      result.known.push(candidate);
      result.entries.push({ path: candidate.path, kind: 'file', size: candidate.size, mtimeMs: candidate.mtimeMs, inode: candidate.inode, crc64: candidate.crc64 });
      break;
    }
  }
}
