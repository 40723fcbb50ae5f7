/** Configuration of one folder pair (local folder ↔ bucket + prefix on an endpoint profile) and its defaults. */

/** What a local delete does remotely. */
export type DeletePolicy =
  /** Upload-only (default): the journal row becomes 'deleted-locally', the remote object stays. */
  | 'keep'
  /** Delete the remote object, behind every guard (marker, thresholds, clean pass). */
  | 'mirror'
  /** Move the remote object to `<prefix>.cos-sync-trash/<timestamp>/<path>` instead of deleting, behind the same guards. */
  | 'backup';

/** One folder pair. `id` is stable and keys every journal row. */
export interface FolderConfig {
  id: string;
  /** Absolute local path. */
  localPath: string;
  /** Endpoint profile name (opaque to sync; core/app resolves it to a RemoteStore). */
  profile: string;
  bucket: string;
  /** Key prefix; '' or ending with '/' (normalised by {@link normalisePrefix}). */
  prefix: string;
  deletePolicy?: DeletePolicy;
  /** Mirror/backup: ask above this many deletes. Default 100. */
  maxDeleteFiles?: number;
  /** Mirror/backup: ask above this share (0–100) of the folder's files. Default 50. */
  maxDeletePercent?: number;
  /** Gitignore-style patterns excluded in addition to the defaults and the folder's `.cosignore`. Default none. */
  excludes?: string[];
  /** Files in flight at once. Default 4. */
  concurrency?: number;
  /** Watch for changes (default true); false means periodic rescans only. */
  watch?: boolean;
  /** Quiet time per path before it is processed. Default 300 ms. */
  debounceMs?: number;
  /** Pending paths above which the aggregator asks for a full rescan. Default 2,000. */
  floodThreshold?: number;
  /** Periodic full rescan. Default 1 h (±25 % jitter). */
  rescanIntervalMs?: number;
  /** Periodic full rescan while the watcher is unreliable. Default 10 min. */
  fallbackRescanIntervalMs?: number;
  /** Start paused. */
  paused?: boolean;
}

/** Name of the marker file that must exist in the folder root before deletes are propagated. */
export const MARKER_FILE = '.cos-sync-root';
/** Ignore-rules file in the folder root (gitignore syntax). */
export const IGNORE_FILE = '.cosignore';
/** Remote prefix (under the pair's prefix) of the 'backup' delete policy. */
export const TRASH_PREFIX = '.cos-sync-trash/';
/** Key (under the pair's prefix) probed with HEAD to learn that the remote is reachable again. */
export const PROBE_KEY = '.cos-sync-probe';

/** A FolderConfig with every default filled in. */
export type ResolvedFolderConfig = Required<FolderConfig>;

/** Fills in defaults and normalises the prefix. */
export function resolveFolderConfig(config: FolderConfig): ResolvedFolderConfig {
  return {
    deletePolicy: 'keep',
    maxDeleteFiles: 100,
    maxDeletePercent: 50,
    excludes: [],
    concurrency: 4,
    watch: true,
    debounceMs: 300,
    floodThreshold: 2000,
    rescanIntervalMs: 3_600_000,
    fallbackRescanIntervalMs: 600_000,
    paused: false,
    ...config,
    prefix: normalisePrefix(config.prefix),
  };
}

/** '' stays '', 'a/b' and '/a/b/' become 'a/b/'. */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
