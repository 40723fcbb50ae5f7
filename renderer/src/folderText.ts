/** Plain-language sentences about a synced folder: its status line and which bucket/endpoint it cannot reach. */
import type { FolderSnapshot, FolderStatus, ProfileView } from '../../core/app/contract.ts';
import { formatBytes, formatCount, formatCountdown, formatEta, formatRate, formatRelative, plural } from './format.ts';

/**
 * Describes a status in one line for people. For `offline` the line ends with "trying again"; the
 * caller appends the live countdown ({@link formatCountdown} of `nextProbeAt`) so it can tick alone.
 * An idle folder with `failedFiles` is described as not up to date.
 */
export function describeStatus(status: FolderStatus, now: number = Date.now(), failedFiles = 0): string {
  switch (status.kind) {
    case 'idle': {
      const checked = status.lastSyncedAt ? ` · checked ${formatRelative(status.lastSyncedAt, now)}` : '';
      if (failedFiles > 0) return `${failedFiles === 1 ? '1 file' : `${formatCount(failedFiles)} files`} could not be synced: see why in the file list${checked}`;
      return `Up to date${checked}`;
    }
    case 'scanning':
      return status.total === null ? `Scanning · ${plural(status.done, 'file')} checked` : `Scanning · ${formatCount(status.done)} of ${plural(status.total, 'file')} checked`;
    case 'syncing':
      return `Syncing · ${formatCount(status.filesDone)} of ${plural(status.filesTotal, 'file')} · ${formatBytes(status.bytesDone)} of ${formatBytes(status.bytesTotal)} · ${formatRate(status.rate)} · ${formatEta(status.etaSeconds)}`;
    case 'paused':
      return `Paused ${formatRelative(status.since, now)}`;
    case 'offline':
      return `Offline since ${formatRelative(status.since, now)} · trying again`;
    case 'error':
      return 'Sync stopped: this folder needs your attention.';
    case 'confirm-deletes':
      return status.count === 1
        ? '1 file was deleted here. Delete it from the bucket too?'
        : `${plural(status.count, 'file')} were deleted here. Delete them from the bucket too?`;
  }
}

/** The live countdown after {@link describeStatus}'s offline line: "in 42 s", or "now…" once the time has come. */
export function describeNextTry(status: Extract<FolderStatus, { kind: 'offline' }>, now: number = Date.now()): string {
  const countdown = formatCountdown(status.nextProbeAt, now);
  return countdown === 'now' ? 'now…' : countdown;
}

/** The address a folder's uploads go to: the profile's endpoint, the default COS domain, or null when unknown. */
export function endpointOf(folder: Pick<FolderSnapshot, 'bucket'>, profile: ProfileView | undefined): string | null {
  if (!profile) return null;
  if (profile.kind === 'engine') return profile.endpoint;
  return profile.endpoint ?? `https://${folder.bucket}.cos.${profile.region}.myqcloud.com`;
}

/** One sentence naming what an offline folder cannot reach: bucket, service, address and profile name. */
export function describeUnreachable(folder: Pick<FolderSnapshot, 'bucket'>, profile: ProfileView | undefined): string {
  const endpoint = endpointOf(folder, profile);
  // A COS profile with its own endpoint may be any COS-compatible server: name the address, not Tencent.
  const service = profile?.kind === 'engine' ? ' on the bundled engine' : profile?.kind === 'cos' && profile.endpoint === null ? ' on Tencent Cloud COS' : '';
  const where = endpoint ? ` at ${endpoint}` : profile?.kind === 'engine' ? ' (the engine is not running)' : '';
  const account = profile ? ` (account “${profile.name}”)` : '';
  return `Cannot reach bucket ${folder.bucket}${service}${where}${account}. Changes wait on this computer and upload once it answers.`;
}
