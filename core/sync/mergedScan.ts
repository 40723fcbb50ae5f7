/** A full scan as a streamed, sorted merge of the directory walk against the journal: only the differences are kept in memory. */
import { lstatSync, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import path from 'node:path';
import { MARKER_FILE } from './folderConfig.ts';
import type { IgnoreRules } from './ignoreRules.ts';
import type { JournalEntry, JournalStamp } from './journal.ts';
import type { LocalEntry } from './planner.ts';
import { exclusionReason, hashChanged, type Crc64File, type ScanResult } from './scanner.ts';

/** Options of {@link scanAgainstJournal}. */
export interface MergedScanOptions {
  /** Absolute folder root. */
  root: string;
  rules: IgnoreRules;
  crc64File: Crc64File;
  /** The stamps of the folder's journal rows in {@link compareUtf8} order of their paths (SQLite's BINARY order), read lazily. */
  rows: Iterable<JournalStamp>;
  /** The whole journal row of a path whose file differs from its stamp (new, changed, excluded or vanished). */
  row(path: string): JournalEntry | undefined;
  /** Rows with remote content of this size and CRC-64 anywhere in the folder (server-side copy sources for new files). */
  contentRows(size: number, crc64: string): JournalEntry[];
  /** Whether a new file (no journal row) must be read for its CRC-64 (see ScanOptions.needsCrc). Default: read. */
  needsCrc?: (relative: string, size: number) => boolean;
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

type Stamp = { size: number; mtimeMs: number; inode: number };
const hasRemoteContent = (row: JournalStamp): boolean => row.state === 'synced' || row.state === 'identical';
const sameStamp = (row: JournalStamp, stamp: Stamp): boolean => row.size === stamp.size && row.mtimeMs === stamp.mtimeMs && row.inode === stamp.inode;

/**
 * Files stat'ed between two turns of the event loop. The walk stats with `lstatSync`: at 100,000 files a promise
 * and a thread-pool round trip per file cost 2.5× the stat itself, and the journal (node:sqlite) is synchronous
 * anyway. Yielding every few hundred files keeps watcher events, uploads and the UI going during a long scan.
 */
const STATS_PER_TURN = 256;

/** A directory's child as the walk orders it: directories keyed as `name/`, so every path comes out in byte order. */
interface Child {
  name: string;
  key: string;
  directory: boolean;
}

/**
 * Walks the whole folder depth-first in the journal's path order (siblings sorted with directories keyed as
 * `name/`, so every path comes out in byte order) and advances through the journal stamps alongside. A file whose
 * size, mtime and inode equal its synced row is counted and forgotten at once; everything else (new, changed,
 * excluded, vanished) is collected for the planner with its whole row, and only those files are hashed. Directory
 * entries' types come from `readdir`, so only files that are not ignored are stat'ed. Memory grows with the
 * differences and the widest directory, not with the folder.
 */
export async function scanAgainstJournal(options: MergedScanOptions): Promise<MergedScanResult> {
  const result: MergedScanResult = { entries: [], known: [], unchanged: 0, ordered: true, scope: { paths: [], directories: [''] }, incompleteDirectories: [], errors: [], markerPresent: false, hashed: 0 };
  const { rules, root } = options;
  const rows = options.rows[Symbol.iterator]();
  let row = rows.next();
  const toHash: { relative: string; stamp: Stamp; isNew: boolean }[] = [];
  const keepRow = (relative: string): void => {
    const whole = options.row(relative);
    if (whole) result.known.push(whole);
  };

  /** Rows before `relative` have no local file any more; the row at `relative`, if any, is returned and consumed. */
  const rowAt = (relative: string): JournalStamp | undefined => {
    while (!row.done && compareUtf8(row.value.path, relative) < 0) {
      keepRow(row.value.path);
      row = rows.next();
    }
    if (row.done || row.value.path !== relative) return undefined;
    const found = row.value;
    row = rows.next();
    return found;
  };

  const visitFile = (relative: string, stats: Stats): void => {
    const known = rowAt(relative);
    const reason = exclusionReason(stats);
    const stamp = { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino };
    if (reason) {
      result.entries.push({ path: relative, kind: 'excluded', reason, size: stats.size, mtimeMs: stats.mtimeMs });
      if (known) keepRow(relative);
      return;
    }
    if (known && hasRemoteContent(known) && known.crc64 !== undefined && sameStamp(known, stamp)) {
      result.unchanged++;
      return;
    }
    if (known) keepRow(relative);
    if (known?.crc64 !== undefined && sameStamp(known, stamp)) result.entries.push({ path: relative, kind: 'file', ...stamp, crc64: known.crc64 });
    else toHash.push({ relative, stamp, isNew: !known });
  };

  let previous: string | undefined;
  let statsThisTurn = 0;
  const walk = async (relative: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const directory = path.join(root, relative);
    let children: Child[];
    try {
      children = (await readdir(directory, { withFileTypes: true })).map((child) => ({ name: child.name, key: child.isDirectory() ? `${child.name}/` : child.name, directory: child.isDirectory() }));
    } catch (error) {
      result.incompleteDirectories.push(relative);
      result.errors.push({ path: relative, message: (error as Error).message });
      return;
    }
    children.sort((a, b) => compareUtf8(a.key, b.key));
    for (const child of children) {
      const childRelative = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.directory) {
        // An ignored directory is not walked: its rows come out as vanished, and the planner marks them excluded.
        if (!rules.ignores(childRelative, true)) await walk(childRelative);
        continue;
      }
      if (previous !== undefined && compareUtf8(childRelative, previous) <= 0) result.ordered = false;
      previous = childRelative;
      if (rules.ignores(childRelative, false)) continue;
      if (++statsThisTurn >= STATS_PER_TURN) {
        statsThisTurn = 0;
        await yieldToLoop();
        options.signal?.throwIfAborted();
      }
      let stats: Stats | undefined;
      try {
        stats = lstatSync(`${directory}/${child.name}`, { throwIfNoEntry: false });
      } catch (error) {
        result.errors.push({ path: childRelative, message: (error as Error).message });
        continue;
      }
      if (!stats) continue;
      // Replaced by a directory since readdir: walked here, out of order if a sibling sorts between (then `ordered` turns false).
      if (stats.isDirectory()) {
        if (!rules.ignores(childRelative, true)) await walk(childRelative);
      } else visitFile(childRelative, stats);
    }
  };

  await walk('');
  for (; !row.done; row = rows.next()) keepRow(row.value.path);

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
    if (entry.kind !== 'file' || entry.crc64 === undefined || inPlan.has(entry.path)) continue;
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
