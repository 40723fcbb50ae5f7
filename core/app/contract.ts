/** The one API every COS Sync UI uses (Electron preload, headless web host): types only, no runtime code. */

// Everything that crosses this contract is plain JSON data: no Date, Map, bigint, class instances or
// undefined-vs-missing distinctions. Times are milliseconds since the Unix epoch; sizes are bytes;
// rates are bytes per second. The same values travel over Electron IPC (structured clone) and HTTP.

// ───────────────────────────── errors ─────────────────────────────

/** How a caller should react to an error (mirrors `RetryClass` of core/common/errors.ts). */
export type ErrorRetry = 'retry' | 'fatal' | 'auth' | 'offline' | 'cancelled';

/**
 * A user-facing error: stable machine `code` (e.g. `SseNotConfirmed`, `AccessDenied`), one readable
 * sentence in `message` and, when known, a `hint` telling the user how to fix it. Methods of
 * {@link CosSyncApi} reject with an `Error` carrying these same fields.
 */
export interface AppErrorInfo {
  code: string;
  message: string;
  hint?: string;
  retry?: ErrorRetry;
}

// ─────────────────────────── encryption ───────────────────────────

/**
 * Server-side encryption of a stored object as the server reported it: `AES256` = SSE-COS,
 * `cos/kms` = SSE-KMS, `SSE-C` = customer key, `none` = stored in plaintext, `unknown` = not verified.
 */
export type EncryptionAlgorithm = 'AES256' | 'cos/kms' | 'SSE-C' | 'none' | 'unknown';

/** What COS Sync last verified about one stored object's encryption (drives the per-file badge). */
export interface EncryptionInfo {
  algorithm: EncryptionAlgorithm;
  /** KMS key id the server echoed, for `cos/kms`. */
  kmsKeyId?: string;
  /** When the server's response (write echo or HEAD) confirmed `algorithm`; null when never verified. */
  verifiedAt: number | null;
  /** True when the object's CRC-64 matched the local content at `verifiedAt`. */
  checksumVerified: boolean;
}

/** Encryption requested for a manual upload: SSE-COS (`AES256`), SSE-KMS (`kms`) or none. */
export type SseMode = 'AES256' | 'kms' | 'none';

// ───────────────────────────── folders ─────────────────────────────

/** What to do with remote objects whose local file was deleted. */
export type DeletePolicy =
  /** Upload-only (default): remote objects are kept. */
  | 'keep'
  /** Mirror deletes; large batches wait for {@link CosSyncApi.confirmDeletes}. */
  | 'mirror';

/** The state of one synced folder; `kind` is the discriminant. */
export type FolderStatus =
  /** Up to date. */
  | { kind: 'idle'; lastSyncedAt: number | null }
  /** Comparing the disk with the journal; `total` is null until the walk has counted. */
  | { kind: 'scanning'; done: number; total: number | null }
  /** Uploading; `etaSeconds` is null while the rate is unknown. */
  | { kind: 'syncing'; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; rate: number; etaSeconds: number | null }
  /** Paused by the user (one folder or all). */
  | { kind: 'paused'; since: number }
  /** The endpoint is unreachable; probing again at `nextProbeAt`. */
  | { kind: 'offline'; since: number; nextProbeAt: number }
  /** Stopped by an error that needs the user (credentials, missing bucket, unreadable folder). */
  | ({ kind: 'error' } & AppErrorInfo)
  /** Mirror mode found `count` local deletions and waits for {@link CosSyncApi.confirmDeletes}. */
  | { kind: 'confirm-deletes'; count: number };

/** The `kind` names of {@link FolderStatus}. */
export type FolderStatusKind = FolderStatus['kind'];

/** Per-folder counters, kept current by the sync loop. */
export interface FolderCounts {
  files: number;
  bytes: number;
  synced: number;
  queued: number;
  errors: number;
  excluded: number;
  /** Stored objects verified as encrypted (any algorithm other than `none`/`unknown`). */
  encrypted: number;
  /** Stored objects the server reported as not encrypted. */
  unencrypted: number;
}

/** One synced folder as the UI shows it. */
export interface FolderSnapshot {
  id: string;
  localPath: string;
  profileId: string;
  bucket: string;
  /** Key prefix inside the bucket: '' or ending in '/'. */
  prefix: string;
  deletePolicy: DeletePolicy;
  status: FolderStatus;
  counts: FolderCounts;
  lastSyncedAt: number | null;
}

/** Arguments of {@link CosSyncApi.addFolder}; omitted fields come from the default profile. */
export interface AddFolderRequest {
  /** Absolute path on the machine running the service. */
  localPath: string;
  bucket?: string;
  prefix?: string;
  profileId?: string;
  deletePolicy?: DeletePolicy;
}

// ────────────────────────────── files ──────────────────────────────

/** The state of one local file; `state` is the discriminant. */
export type FileStatus =
  | { state: 'queued' }
  | { state: 'uploading'; percent: number }
  /** Uploaded (or already present) and verified; see {@link FileRow.encryption}. */
  | { state: 'synced'; syncedAt: number }
  /** The remote already held the same content (CRC-64 equal); nothing was sent. */
  | { state: 'identical' }
  | { state: 'excluded'; reason: string }
  | { state: 'error'; code: string; message: string; hint?: string; nextRetryAt: number | null }
  | { state: 'deleted-locally' };

/** The `state` names of {@link FileStatus}, used as a filter. */
export type FileStateName = FileStatus['state'];

/** One row of the file list. */
export interface FileRow {
  /** Path relative to the folder root, with '/' separators. */
  path: string;
  size: number;
  modifiedAt: number;
  status: FileStatus;
  /**
   * The stored object's encryption as last verified; null when no object is stored yet. It lives on the
   * row, not in `status`, because a queued or failing file may still have an (older) encrypted copy.
   */
  encryption: EncryptionInfo | null;
}

/** Arguments of {@link CosSyncApi.listFiles}. Rows are ordered by path (code-point order). */
export interface FileQuery {
  folderId: string;
  offset: number;
  /** 1…1000. */
  limit: number;
  state?: FileStateName;
  /** Case-insensitive substring of the path. */
  search?: string;
}

/** One page of the file list. */
export interface FilePage {
  folderId: string;
  offset: number;
  /** Number of rows matching the query's filter (not just this page). */
  total: number;
  rows: FileRow[];
  /** Rows per state in the whole folder, ignoring the filter (for filter chips). */
  stateCounts: Partial<Record<FileStateName, number>>;
}

/** One version of a synced file as the server keeps it (newest first in {@link FileVersions.versions}). */
export interface FileVersion {
  /** The server's version id; `null` for the copy written before versioning was enabled. */
  versionId: string;
  /** True for the current version (what a download returns). */
  isLatest: boolean;
  /** True when this version records a delete (mirror mode): the file was deleted at `modifiedAt`. */
  deleteMarker: boolean;
  /** Bytes (0 for a delete marker). */
  size: number;
  /** When this version was written. */
  modifiedAt: number;
  /** What the server reported for this version when listed; null for a delete marker. */
  encryption: EncryptionInfo | null;
}

/** The versions of one synced file, and how long the bucket keeps old ones. */
export interface FileVersions {
  folderId: string;
  path: string;
  bucket: string;
  /** The object key (folder prefix + path). */
  key: string;
  /** `off` when the bucket never kept versions: only the current copy exists. */
  versioning: 'Enabled' | 'Suspended' | 'off';
  /** Days old versions are kept (COS Sync's lifecycle rule); null when they are kept until deleted. */
  retentionDays: number | null;
  /** Newest first; at most 100. */
  versions: FileVersion[];
}

// ──────────────────────────── activity ────────────────────────────

/** One line of the activity log. */
export interface ActivityEntry {
  /** Opaque, unique; also the paging cursor. */
  id: string;
  at: number;
  level: 'info' | 'warn' | 'error';
  /** Folder the entry is about, or null for app-wide entries (settings, engine, manual uploads). */
  folderId: string | null;
  /** A readable sentence. */
  message: string;
  path?: string;
  code?: string;
  hint?: string;
}

/** Arguments of {@link CosSyncApi.listActivity}: newest first, `before` = an entry id to page back from. */
export interface ActivityQuery {
  /** 1…500. */
  limit: number;
  before?: string;
}

/** A page of activity, newest first; `nextBefore` is null at the oldest entry. */
export interface ActivityPage {
  entries: ActivityEntry[];
  nextBefore: string | null;
}

// ───────────────────────────── settings ─────────────────────────────

/** A connection profile as settings return it. The secret key is write-only: only `hasSecretKey` comes back. */
export type ProfileView =
  /** The bundled local engine; its endpoint and credentials are managed by the app. */
  | { kind: 'engine'; id: string; name: string; bucket: string; endpoint: string | null }
  /**
   * Real Tencent COS. `endpoint` overrides the default `https://<bucket>.cos.<region>.myqcloud.com`; `caFile` is a PEM
   * file of certificates trusted for that endpoint instead of the system's (a TLS engine's cert.pem, a private CA).
   */
  | { kind: 'cos'; id: string; name: string; secretId: string; hasSecretKey: boolean; region: string; bucket: string; endpoint: string | null; caFile?: string | null };

/**
 * A profile to create (no `id`), update (with `id`) or test. For `cos`, an omitted `secretKey` keeps the
 * stored one; it is never returned.
 */
export type ProfileInput =
  | { kind: 'engine'; id?: string; name: string; bucket: string }
  | { kind: 'cos'; id?: string; name: string; secretId: string; secretKey?: string; region: string; bucket: string; endpoint?: string | null; caFile?: string | null };

/** App-wide sync settings. */
export interface GeneralSettings {
  /** Parallel uploads per folder, 1…32. */
  concurrency: number;
  /** Upload bandwidth cap in bytes/s; null = unlimited. */
  bandwidthLimit: number | null;
  /** Gitignore-style patterns excluded from every folder. */
  excludes: string[];
  /** Mirror-mode deletions above this count wait for confirmation. */
  deleteConfirmThreshold: number;
  /** Desktop app only: start COS Sync (in the tray) when the user logs in. */
  startAtLogin: boolean;
  /**
   * Days the bundled engine keeps the old versions of synced files (an overwrite or delete can be undone that
   * long), 1…3650; null keeps them until deleted. Default 30.
   */
  versionRetentionDays: number | null;
}

/** Where the SecretKeys are kept, as the settings screen shows it. */
export interface SecretStorageInfo {
  /** `keychain`: encrypted by the OS keychain (Electron safeStorage); `file`: a file only the user can read (0600). */
  kind: 'keychain' | 'file';
  /** Readable name of the store: e.g. `GNOME Keyring (libsecret)`, `macOS Keychain`, or the file's path. */
  description: string;
  /** Why this is a fallback the user may want to fix (e.g. no system keyring on Linux); absent when all is well. */
  warning?: string;
}

/** Everything the settings screen shows. */
export interface AppSettings {
  profiles: ProfileView[];
  defaultProfileId: string | null;
  general: GeneralSettings;
  /** Where SecretKeys are kept; null when the host did not say. */
  secretStorage: SecretStorageInfo | null;
}

/** A partial update: profiles are upserted by `id` (new ones get an id), then `removeProfiles` are removed. */
export interface SettingsPatch {
  upsertProfiles?: ProfileInput[];
  removeProfiles?: string[];
  defaultProfileId?: string | null;
  general?: Partial<GeneralSettings>;
}

/** Result of a live check (HEAD bucket) of a profile. */
export type ProfileTestResult =
  | { ok: true; endpoint: string; latencyMs: number; bucketEncryption: EncryptionAlgorithm }
  | ({ ok: false; endpoint: string | null; status: number | null } & AppErrorInfo);

// ───────────────────────────── uploads ─────────────────────────────

/**
 * One file of a manual upload. With `path` (Electron, CLI) the service reads the file itself. Without
 * it (a browser) the bytes follow through {@link CosSyncBridge.uploadBody} / {@link UploadBodyReceiver}.
 */
export interface UploadFileSpec {
  /** Object name under the prefix, '/'-separated (may contain folders from a dropped directory). */
  name: string;
  size: number;
  path?: string;
  /** The file's modification time (ms since 1970, as `File.lastModified`); stored as `x-cos-meta-mtime` so a restore brings it back. Read from `path` when omitted. */
  modifiedAt?: number;
}

/** Arguments of {@link CosSyncApi.startUpload}. Object key = normalized `prefix` + `name`. */
export interface UploadRequest {
  files: UploadFileSpec[];
  /** Profile to use; default profile when omitted. */
  profileId?: string;
  bucket: string;
  prefix: string;
  sse: SseMode;
  /** Only with `sse: 'kms'`; the bucket's default KMS key when omitted. */
  kmsKeyId?: string;
}

/** What {@link CosSyncApi.startUpload} returns: the upload id and each file's object key (same order). */
export interface UploadTicket {
  uploadId: string;
  keys: string[];
  /** Indexes of files whose bytes the caller must still send with `uploadBody` (those without `path`). */
  awaitingBody: number[];
}

/** Final result of one uploaded file. */
export type UploadFileResult =
  /** Stored; `encryption` is what the server confirmed in its response. */
  | { index: number; key: string; ok: true; encryption: EncryptionInfo }
  | ({ index: number; key: string; ok: false } & AppErrorInfo);

/** A manual upload as listed in the snapshot. */
export interface UploadSummary {
  id: string;
  bucket: string;
  prefix: string;
  sse: SseMode;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
}

// ────────────────────────────── engine ──────────────────────────────

/** One master-key version of the bundled engine. */
export interface EngineKeyVersion {
  version: number;
  createdAt: number;
  /** Objects whose data key is sealed by this version. */
  objects: number;
  active: boolean;
}

/** Status of the bundled engine and its keyring. */
export interface EngineStatus {
  state: 'disabled' | 'starting' | 'running' | 'stopped' | 'error';
  endpoint: string | null;
  activeKeyVersion: number | null;
  keys: EngineKeyVersion[];
  objects: number;
  bytes: number;
  /** Old versions kept for undo (noncurrent versions) and their bytes. */
  noncurrentVersions: number;
  noncurrentBytes: number;
  /** Re-sealing after a rotation; null when none is running. */
  rotation: { resealed: number; total: number } | null;
  error?: AppErrorInfo;
}

// ─────────────────────── bucket jobs (audit, encrypt, restore) ───────────────────────

/** How an object is stored, as an audit counts it. */
export type StoredEncryptionKind = 'SSE-COS' | 'SSE-KMS' | 'SSE-C' | 'none';

/** Objects and bytes of one group. */
export interface ObjectTally {
  objects: number;
  bytes: number;
}

/** What an audit found in a bucket (under a prefix). */
export interface BucketAudit {
  objects: number;
  bytes: number;
  byKind: Record<StoredEncryptionKind, ObjectTally>;
  /** SSE-KMS objects per KMS key id. */
  kmsKeys: Record<string, ObjectTally>;
  /** The first 500 plaintext objects (see `plaintextTotal`). */
  plaintext: { key: string; size: number }[];
  plaintextTotal: number;
  /** Objects whose HEAD failed. */
  errors: number;
}

/** A long bucket job: an audit, an in-place encryption of the plaintext objects, or a restore of a synced folder. */
export interface BucketJob {
  id: string;
  kind: 'audit' | 'encrypt' | 'restore';
  profileId: string;
  bucket: string;
  prefix: string;
  /** Restore only: the synced folder and the destination folder. */
  folderId: string | null;
  destination: string | null;
  state: 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  startedAt: number;
  finishedAt: number | null;
  /** Progress in `unit`; `total` is null until the listing is complete. */
  done: number;
  total: number | null;
  unit: 'objects' | 'bytes';
  /** Audits: the result so far (complete when done). */
  audit: BucketAudit | null;
  /** Outcome counts when finished, e.g. `encrypted`, `skipped`, `failed`, `restored`, `identical`, `kept`, `refused`. */
  counts: Record<string, number>;
  /** A readable one-paragraph result when finished. */
  summary: string | null;
  /** Up to 50 objects that were skipped, kept, refused or failed, with why. */
  problems: { key: string; outcome: string; message: string }[];
  /** Why a job failed as a whole (credentials, offline…). */
  error: AppErrorInfo | null;
}

/** Arguments of {@link CosSyncApi.startBucketJob}; an omitted profile means the default one. */
export type BucketJobRequest =
  | { kind: 'audit'; profileId?: string; prefix?: string }
  | { kind: 'encrypt'; profileId?: string; prefix?: string; sse: 'AES256' | 'kms'; kmsKeyId?: string }
  /** Restores the folder's objects (bucket and prefix of the folder) into `destination` (absolute, on the service's machine). */
  | { kind: 'restore'; folderId: string; destination: string; overwrite?: boolean };

// ───────────────────────────── snapshot ─────────────────────────────

/** The app's overall state, most urgent first: what the header and the tray icon show. */
export type OverallState = 'error' | 'attention' | 'offline' | 'syncing' | 'scanning' | 'paused' | 'idle' | 'no-folders';

/** Totals over all folders. */
export interface SnapshotTotals extends FolderCounts {
  /** Current upload rate over all folders and manual uploads. */
  rate: number;
}

/** One throughput sample (about one per second). */
export interface ThroughputSample {
  at: number;
  bytesPerSecond: number;
}

/** Everything a status window needs on open; kept current by {@link AppEvent}s. */
export interface AppSnapshot {
  /** Increases with every change; a UI ignores snapshots older than the one it shows. */
  sequence: number;
  at: number;
  appVersion: string;
  mode: 'desktop' | 'headless';
  overall: { state: OverallState; message: string };
  /** True after {@link CosSyncApi.pauseAll} until {@link CosSyncApi.resumeAll}. */
  allPaused: boolean;
  folders: FolderSnapshot[];
  totals: SnapshotTotals;
  engine: EngineStatus;
  uploads: UploadSummary[];
  /** The last ~2 minutes of {@link ThroughputSample}s, oldest first. */
  throughput: ThroughputSample[];
  /** Unresolved errors (folder, engine, settings) with fix hints, most recent first. */
  errors: (AppErrorInfo & { folderId: string | null; at: number })[];
}

// ────────────────────────────── events ──────────────────────────────

/** Pushed to subscribers; `type` is the discriminant. Events are hints: a fresh snapshot is the truth. */
export type AppEvent =
  /** Debounced (≤ 4/s) full snapshot; the first event of every subscription. */
  | { type: 'snapshot-changed'; snapshot: AppSnapshot }
  | { type: 'folder-status'; folderId: string; status: FolderStatus }
  /** Rows that changed, batched (≤ 4/s per folder). */
  | { type: 'file-changed'; folderId: string; rows: FileRow[] }
  /** New entries, newest first. */
  | { type: 'activity'; entries: ActivityEntry[] }
  /** Progress of a manual upload; `files` lists only files that moved since the last event. */
  | { type: 'upload-progress'; uploadId: string; bytesDone: number; bytesTotal: number; rate: number; files: { index: number; bytesDone: number; bytesTotal: number }[] }
  /** Files of a manual upload that finished; `remaining` = files still running (0 = upload over). */
  | { type: 'upload-finished'; uploadId: string; results: UploadFileResult[]; remaining: number }
  | { type: 'throughput'; sample: ThroughputSample }
  | { type: 'engine-status'; engine: EngineStatus }
  /** A bucket job moved (throttled to ≤ 4/s per job; every change of state is sent). */
  | { type: 'bucket-job'; job: BucketJob };

/** The `type` names of {@link AppEvent}. */
export type AppEventType = AppEvent['type'];

/** Receives events; must not throw. */
export type AppEventListener = (event: AppEvent) => void;

/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => void;

// ─────────────────────────────── API ───────────────────────────────

/**
 * The request/response API. Every method takes JSON arguments, resolves with JSON and rejects with an
 * `Error` carrying {@link AppErrorInfo} fields. `core/app/apiMethods.ts` lists the names at runtime.
 */
export interface CosSyncApi {
  getSnapshot(): Promise<AppSnapshot>;
  listFiles(query: FileQuery): Promise<FilePage>;
  listActivity(query: ActivityQuery): Promise<ActivityPage>;

  /** Starts syncing a folder (a first scan follows). Rejects when the path is missing or already synced. */
  addFolder(request: AddFolderRequest): Promise<FolderSnapshot>;
  /** Stops syncing; nothing remote or local is deleted. */
  removeFolder(folderId: string): Promise<void>;
  pauseFolder(folderId: string): Promise<void>;
  resumeFolder(folderId: string): Promise<void>;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
  /** Walks the folder again (full compare with the journal). */
  rescanFolder(folderId: string): Promise<void>;
  /** Requeues every file in `error` now; resolves with how many. */
  retryFailed(folderId: string): Promise<{ retried: number }>;
  /** Answers a `confirm-deletes` status: `accept` deletes the remote objects, otherwise they are kept. */
  confirmDeletes(folderId: string, accept: boolean): Promise<void>;
  /** The versions the server keeps of one file of a folder (`path` relative to the folder), newest first. */
  listFileVersions(folderId: string, path: string): Promise<FileVersions>;
  /**
   * Restores version `versionId` of a file: a server-side copy of it onto the same key, which becomes the current
   * version (a new one; nothing is deleted). The file in the local folder is not changed. Resolves with the new version.
   */
  restoreFileVersion(folderId: string, path: string, versionId: string): Promise<FileVersion>;

  getSettings(): Promise<AppSettings>;
  /** Applies a patch and resolves with the new settings. */
  updateSettings(patch: SettingsPatch): Promise<AppSettings>;
  /** Live check of a profile (saved or not) with HEAD bucket; never rejects for a failed check. */
  testProfile(profile: ProfileInput): Promise<ProfileTestResult>;

  /** Starts a manual upload; progress and results arrive as events. */
  startUpload(request: UploadRequest): Promise<UploadTicket>;
  /** Cancels the files not yet finished. */
  cancelUpload(uploadId: string): Promise<void>;

  /** Starts an audit, an in-place encryption or a restore; progress arrives as `bucket-job` events. */
  startBucketJob(request: BucketJobRequest): Promise<BucketJob>;
  /** Pauses (between objects), resumes or cancels a running job; resolves with its new state. */
  controlBucketJob(jobId: string, action: 'pause' | 'resume' | 'cancel'): Promise<BucketJob>;
  /** Bucket jobs of this session, newest first. */
  listBucketJobs(): Promise<BucketJob[]>;

  getEngineStatus(): Promise<EngineStatus>;
  /** Makes a new master-key version active and re-seals data keys in the background. */
  rotateEngineKey(): Promise<EngineStatus>;
}

/** Name of one {@link CosSyncApi} method. */
export type CosSyncMethod = keyof CosSyncApi;

/** Argument tuple of one method. */
export type CosSyncArguments<M extends CosSyncMethod> = Parameters<CosSyncApi[M]>;

/** Resolved value of one method. */
export type CosSyncResult<M extends CosSyncMethod> = Awaited<ReturnType<CosSyncApi[M]>>;

/** Service side: where events come from. */
export interface AppEventSource {
  /** Adds a listener; returns its {@link Unsubscribe}. */
  on(listener: AppEventListener): Unsubscribe;
}

/** Service side: accepts the bytes of an upload file that had no `path` (browser uploads). */
export interface UploadBodyReceiver {
  /**
   * Consumes file `index` of `uploadId` from `body` (exactly its declared size), stores it with the
   * upload's SSE mode and resolves with that file's {@link UploadFileResult} (also sent as an
   * `upload-finished` event), failures included. Rejects (with {@link AppErrorInfo} fields) only when
   * the upload or index is unknown or expects no body. Aborting `signal` (client gone) cancels the file.
   */
  receiveUploadBody(uploadId: string, index: number, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<UploadFileResult>;
}

/** What the app service implements and hosts (Electron IPC, web host) wrap. */
export type CosSyncService = CosSyncApi & AppEventSource & UploadBodyReceiver;

/**
 * What a UI holds (`window.cosSync` in Electron, the HTTP bridge in a browser): the API, a subscription,
 * and the upload body channel where the UI has no file paths.
 */
export interface CosSyncBridge extends CosSyncApi {
  /** Calls `listener` for every event, starting with a `snapshot-changed`. */
  subscribe(listener: AppEventListener): Unsubscribe;
  /** Where the bridge runs: `desktop` (Electron preload) or `browser` (HTTP + server-sent events). */
  readonly kind: 'desktop' | 'browser';
  /** Browser only: streams the bytes of file `index` of an upload whose spec had no `path`. */
  uploadBody?(uploadId: string, index: number, body: Blob): Promise<UploadFileResult>;
  /** Desktop only: the local path of a picked or dropped file (Electron `webUtils.getPathForFile`). */
  pathForFile?(file: File): string | null;
  /** Desktop only: opens a native folder picker; null when cancelled. */
  chooseFolder?(): Promise<string | null>;
}
