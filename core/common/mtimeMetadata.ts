/** The `x-cos-meta-mtime` convention: a file's modification time stored on its object as decimal seconds with a fraction. */

/** The user-metadata name (after `x-cos-meta-`) that carries a file's modification time. */
export const MTIME_METADATA = 'mtime';

/**
 * Formats a modification time in milliseconds since the epoch (as `fs.Stats.mtimeMs` gives it) as decimal
 * seconds with six fraction digits, e.g. `1712345678.123456` (rclone stores its `mtime` metadata the same way).
 */
export function formatMtime(mtimeMs: number): string {
  const micros = Math.round(mtimeMs * 1000);
  const sign = micros < 0 ? '-' : '';
  const magnitude = Math.abs(micros);
  return `${sign}${Math.floor(magnitude / 1e6)}.${String(magnitude % 1e6).padStart(6, '0')}`;
}

/** `{ mtime: formatMtime(mtimeMs) }`: the metadata an upload sends for a file with this modification time. */
export function mtimeMetadata(mtimeMs: number): Record<string, string> {
  return { [MTIME_METADATA]: formatMtime(mtimeMs) };
}

/**
 * Reads decimal seconds (with or without a fraction) back as milliseconds since the epoch; undefined for anything
 * else (a value written by another tool in another format is ignored rather than trusted).
 */
export function parseMtime(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,12}(\.\d{1,9})?$/.test(value.trim())) return undefined;
  const milliseconds = Number(value.trim()) * 1000;
  return Number.isFinite(milliseconds) ? milliseconds : undefined;
}
