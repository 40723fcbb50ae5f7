/** Human-readable formatting of sizes, rates, durations, times and the per-file encryption badge. */
import type { EncryptionInfo } from '../../core/app/contract.ts';

const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in decimal units: 0 B, 12.3 KB, 4.5 GB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A transfer rate: 12 MB/s. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** A whole number with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A count with its noun in the right number: "1 file", "1,234 files" (`many` defaults to `one` + "s"). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** Time until `at` for a live countdown: "in 42 s", "in 3 min 5 s", "in 2 h 10 min"; "now" once it has passed. */
export function formatCountdown(at: number, now: number = Date.now()): string {
  const seconds = Math.ceil((at - now) / 1000);
  if (seconds <= 0) return 'now';
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  return `in ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** A remaining time: "about 3 min", "about 2 h 5 min", "less than a minute". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating time left';
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** A past or future time relative to `now`: "just now", "5 min ago", "in 2 min". */
export function formatRelative(at: number, now: number = Date.now()): string {
  const delta = Math.round((at - now) / 1000);
  const size = Math.abs(delta);
  const text = size < 45 ? null : size < 3600 ? `${Math.round(size / 60)} min` : size < 86_400 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86_400)} d`;
  if (text === null) return delta > 0 ? 'in a moment' : 'just now';
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** Clock time of day, e.g. 14:03:22. */
export function formatClock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

/** Badge text, tone and tooltip for a stored object's encryption. */
export function encryptionBadge(info: EncryptionInfo | null): { text: string; tone: 'ok' | 'warn' | 'muted'; title: string } {
  if (info === null) return { text: 'Not stored yet', tone: 'muted', title: 'No object has been stored for this file yet.' };
  const verified = info.verifiedAt === null ? 'not verified' : 'verified';
  const when = info.verifiedAt === null ? 'Not verified yet.' : `The server confirmed this on ${new Date(info.verifiedAt).toLocaleString('en-GB')}${info.checksumVerified ? ', CRC-64 matched' : ''}.`;
  switch (info.algorithm) {
    case 'AES256':
      return { text: `Encrypted · SSE-COS AES256 · ${verified}`, tone: 'ok', title: when };
    case 'cos/kms':
      return { text: `Encrypted · SSE-KMS · ${verified}`, tone: 'ok', title: `${when}${info.kmsKeyId ? ` Key ${info.kmsKeyId}.` : ''}` };
    case 'SSE-C':
      return { text: `Encrypted · SSE-C · ${verified}`, tone: 'ok', title: when };
    case 'none':
      return { text: 'Not encrypted', tone: 'warn', title: `The server stored this object without encryption. ${when}` };
    default:
      return { text: 'Unknown', tone: 'muted', title: 'The server did not say whether this object is encrypted.' };
  }
}
