/** Which activity lines may be folded together ("Uploaded …" of one folder) and how a folded run reads. */
import type { ActivityEntry } from '../../core/app/contract.ts';
import { formatBytes, plural } from './format.ts';

/** Entries of one folder with the same encryption arriving at most this far apart fold into one line. */
export const groupGapMs = 5000;

/** What a foldable "Uploaded …" line carries: its folder, size (when stated) and encryption detail. */
export interface UploadLine {
  /** Entries with equal keys may fold together. */
  key: string;
  folderId: string;
  bytes: number | null;
  /** The encryption the server confirmed, as the service wrote it (`AES256`, `cos/kms`, …), or ''. */
  detail: string;
}

const unitFactor: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };
// The service writes "Uploaded <path> (<size> <unit>) — <algorithm>." (core/app/statusViews.ts).
const tail = /^(?: \((\d+(?:\.\d+)?)[\s\u00a0](B|KB|MB|GB|TB|PB)\))?(?: — ([^—]*))?\.$/;

/**
 * The upload facts of a sync "Uploaded …" line; null for anything else (errors, warnings, manual
 * uploads, app-wide entries), which always stay individual lines.
 */
export function uploadLine(entry: ActivityEntry): UploadLine | null {
  if (entry.level !== 'info' || entry.folderId === null || !entry.path) return null;
  const head = `Uploaded ${entry.path}`;
  if (!entry.message.startsWith(head)) return null;
  const match = tail.exec(entry.message.slice(head.length));
  if (!match) return null;
  const detail = match[3]?.trim() ?? '';
  const bytes = match[1] ? Math.round(Number(match[1]) * unitFactor[match[2]!]!) : null;
  return { key: `${entry.folderId}\n${detail}`, folderId: entry.folderId, bytes, detail };
}

/** A readable name of the encryption detail: "SSE-COS AES256", "SSE-KMS", "not encrypted". */
export function encryptionName(detail: string): string {
  switch (detail) {
    case 'AES256':
      return 'SSE-COS AES256';
    case 'cos/kms':
      return 'SSE-KMS';
    case 'SSE-C':
      return 'SSE-C';
    case 'none':
      return 'not encrypted';
    case 'unknown':
      return 'encryption not confirmed';
    default:
      return detail;
  }
}

/**
 * The one line of a folded run: "Uploaded 1,234 files (56 MB) to photos-1250000000/laptop/ — SSE-COS AES256".
 * `bytes` sums the rounded sizes written in the lines (null when none stated), so it is approximate like them.
 */
export function groupSummary(count: number, bytes: number | null, detail: string, target: string | null): string {
  return `Uploaded ${plural(count, 'file')}${bytes !== null ? ` (${formatBytes(bytes)})` : ''}${target ? ` to ${target}` : ''}${detail ? ` — ${encryptionName(detail)}` : ''}`;
}
