/** An in-memory CosSyncService that simulates a large sync with realistic events, for UI and web-host tests. */
import type { ActivityEntry, AppEvent, AppEventListener, AppSettings, AppSnapshot, CosSyncService, EngineStatus, FileRow, FileVersion, FolderSnapshot, FolderStatus, OverallState, ThroughputSample } from '../../core/app/contract.ts';
import { activityView } from '../../core/app/statusViews.ts';
import { CosSyncError } from '../../core/common/errors.ts';
import { createFakeFiles, createSyncedFiles } from './fakeFiles.ts';
import { createFakeUploads } from './fakeUploads.ts';

/** Options of {@link createFakeService}. */
export interface FakeServiceOptions {
  /** Files in the big folder. Default 100,000. */
  fileCount?: number;
  /** Simulation step. Default 100 ms. */
  tickMs?: number;
  /** Files finished per step. Default 500. */
  filesPerTick?: number;
  /** Steps spent scanning before syncing. Default 5. */
  scanTicks?: number;
  /** Start the simulation timer at once. Default true. */
  autoStart?: boolean;
  /** The first this many uploaded files of the big folder each log an "Uploaded …" line, like the real service. Default 2000. */
  uploadLogLimit?: number;
}

/** The fake plus hooks for tests. */
export interface FakeService extends CosSyncService {
  /** Every API call, in order (method name and arguments). */
  readonly calls: { method: string; args: unknown[] }[];
  /** Secret keys received through updateSettings, by profile id (the contract never returns them). */
  readonly secretKeys: Map<string, string>;
  /** Changes the simulation speed. */
  setPace(filesPerTick: number): void;
  /** Forces a folder into `status` (errors, offline, confirm-deletes) as the real loop would. */
  setFolderStatus(folderId: string, status: FolderStatus): void;
  /** Sends an arbitrary event to listeners. */
  emit(event: AppEvent): void;
  /** Number of event listeners currently attached. */
  readonly listenerCount: number;
  /** Stops all timers. */
  close(): void;
}

const bigFolderId = 'photos';

/** Creates the fake: folder "photos" with `fileCount` files syncing, folder "documents" up to date, a bundled engine. */
export function createFakeService(options: FakeServiceOptions = {}): FakeService {
  const tickMs = options.tickMs ?? 100;
  let pace = options.filesPerTick ?? 500;
  let scanTicks = options.scanTicks ?? 5;
  const start = Date.now();
  const listeners = new Set<AppEventListener>();
  const calls: { method: string; args: unknown[] }[] = [];
  const secretKeys = new Map<string, string>();
  const files = new Map<string, FileRow[]>([[bigFolderId, createFakeFiles(options.fileCount ?? 100_000, start)], ['documents', createSyncedFiles(240, start)]]);
  const folders: FolderSnapshot[] = [
    { id: bigFolderId, localPath: '/home/ana/Pictures', profileId: 'tencent', bucket: 'photos-1250000000', prefix: 'laptop/', deletePolicy: 'keep', status: { kind: 'scanning', done: 0, total: null }, counts: emptyCounts(), lastSyncedAt: null },
    { id: 'documents', localPath: '/home/ana/Documents', profileId: 'local', bucket: 'documents', prefix: '', deletePolicy: 'keep', status: { kind: 'idle', lastSyncedAt: start - 60_000 }, counts: emptyCounts(), lastSyncedAt: start - 60_000 },
  ];
  const activity: ActivityEntry[] = [];
  const throughput: ThroughputSample[] = [];
  let cursor = 0;
  let bytesThisSecond = 0;
  let uploadBytesThisSecond = 0;
  let lastSampleAt = start;
  let rate = 0;
  // A believable upload rate (25–60 MB/s random walk) so charts and ETAs look like a real link, not RAM speed.
  let simulatedRate = 42_000_000;
  for (let second = 120; second > 0; second -= 1) throughput.push({ at: start - second * 1000, bytesPerSecond: second > 100 ? 0 : Math.round(30_000_000 + 12_000_000 * Math.sin(second / 9) + 4_000_000 * Math.sin(second / 2.3)) });
  let sequence = 0;
  let allPaused = false;
  let snapshotTimer: NodeJS.Timeout | undefined;
  let activityId = 0;
  const settings: AppSettings = {
    profiles: [
      { kind: 'engine', id: 'local', name: 'Bundled engine', bucket: 'documents', endpoint: 'http://127.0.0.1:9100' },
      { kind: 'cos', id: 'tencent', name: 'Tencent COS', secretId: 'AKIDexampleexampleexample', hasSecretKey: true, region: 'ap-guangzhou', bucket: 'photos-1250000000', endpoint: null },
    ],
    defaultProfileId: 'tencent',
    general: { concurrency: 4, bandwidthLimit: null, excludes: ['*.tmp', '.DS_Store'], deleteConfirmThreshold: 100, startAtLogin: false, versionRetentionDays: 30 },
    secretStorage: { kind: 'file', description: '/home/ana/.cos-sync/secrets.json (readable by you only)' },
  };
  const versions = new Map<string, FileVersion[]>();
  // Three versions a day apart, the oldest written before versioning was on (version null).
  const fakeVersions = (filePath: string): FileVersion[] => [0, 1, 2].map((age) => ({
    versionId: age === 2 ? 'null' : `v${filePath.length}x${age}`, isLatest: age === 0, deleteMarker: false, size: 1000 * (3 - age), modifiedAt: start - age * 86_400_000,
    encryption: { algorithm: 'AES256', verifiedAt: start, checksumVerified: false },
  }));
  const engine: EngineStatus = { state: 'running', endpoint: 'http://127.0.0.1:9100', activeKeyVersion: 1, keys: [{ version: 1, createdAt: start - 86_400_000 * 30, objects: 240, active: true }], objects: 240, bytes: 0, noncurrentVersions: 12, noncurrentBytes: 3_400_000, rotation: null };
  engine.bytes = files.get('documents')!.reduce((sum, row) => sum + row.size, 0);

  const emit = (event: AppEvent): void => {
    for (const listener of listeners) listener(event);
  };
  // `batch` collects the entries of one simulation step so they go out as one event, oldest last (newest first).
  const log = (level: ActivityEntry['level'], message: string, extra: Partial<ActivityEntry> = {}, batch?: ActivityEntry[]): void => {
    activityId += 1;
    const entry: ActivityEntry = { id: `a${String(activityId).padStart(8, '0')}`, at: Date.now(), level, folderId: null, message, ...extra };
    activity.unshift(entry);
    if (activity.length > 5000) activity.length = 5000;
    if (batch) batch.unshift(entry);
    else emit({ type: 'activity', entries: [entry] });
  };
  const uploadLogLimit = options.uploadLogLimit ?? 2000;
  const recount = (folder: FolderSnapshot): void => {
    const counts = emptyCounts();
    for (const row of files.get(folder.id) ?? []) {
      counts.files += 1;
      counts.bytes += row.size;
      const state = row.status.state;
      if (state === 'synced' || state === 'identical') counts.synced += 1;
      else if (state === 'queued' || state === 'uploading') counts.queued += 1;
      else if (state === 'error') counts.errors += 1;
      else if (state === 'excluded') counts.excluded += 1;
      if (row.encryption?.algorithm === 'none') counts.unencrypted += 1;
      else if (row.encryption && row.encryption.algorithm !== 'unknown') counts.encrypted += 1;
    }
    folder.counts = counts;
  };
  const snapshot = (): AppSnapshot => {
    const totals = { ...emptyCounts(), rate };
    for (const folder of folders) for (const key of Object.keys(folder.counts) as (keyof typeof folder.counts)[]) totals[key] += folder.counts[key];
    const errors = folders.flatMap((folder) => (folder.status.kind === 'error' ? [{ code: folder.status.code, message: folder.status.message, hint: folder.status.hint, folderId: folder.id, at: Date.now() }] : []));
    return { sequence: ++sequence, at: Date.now(), appVersion: '0.1.0', mode: 'headless', overall: overallOf(folders), allPaused, folders: structuredClone(folders), totals, engine: structuredClone(engine), uploads: uploads.summaries(), throughput: [...throughput], errors };
  };
  const snapshotSoon = (): void => {
    snapshotTimer ??= setTimeout(() => {
      snapshotTimer = undefined;
      emit({ type: 'snapshot-changed', snapshot: snapshot() });
    }, 250);
  };
  const setStatus = (folder: FolderSnapshot, status: FolderStatus): void => {
    folder.status = status;
    emit({ type: 'folder-status', folderId: folder.id, status });
    snapshotSoon();
  };
  const uploads = createFakeUploads({ emit, log, snapshotSoon, countBytes: (bytes) => (uploadBytesThisSecond += bytes) });
  const folderOf = (id: string): FolderSnapshot => {
    const folder = folders.find((candidate) => candidate.id === id);
    if (!folder) throw new CosSyncError('FolderNotFound', `There is no synced folder '${id}'.`, { hint: 'Reload the folder list.' });
    return folder;
  };

  const step = (): void => {
    const photos = folders[0]!;
    const rows = files.get(bigFolderId)!;
    if (photos.status.kind === 'scanning') {
      scanTicks -= 1;
      setStatus(photos, scanTicks > 0 ? { kind: 'scanning', done: Math.round(rows.length * (1 - scanTicks / 6)), total: rows.length } : syncingStatus(rows, cursor, rate));
    } else if (photos.status.kind === 'syncing') {
      const now = Date.now();
      const changed: FileRow[] = [];
      const logged: ActivityEntry[] = [];
      let bytes = 0;
      for (let done = 0; done < pace && cursor < rows.length; cursor += 1) {
        const row = rows[cursor]!;
        if (row.status.state !== 'queued' && row.status.state !== 'uploading') continue;
        done += 1;
        bytes += row.size;
        if (cursor % 20_000 === 1234) {
          row.status = { state: 'error', code: 'AccessDenied', message: 'COS refused the upload: access denied.', hint: 'Give the key pair cos:PutObject on this bucket.', nextRetryAt: now + 300_000 };
          log('error', `Could not upload ${row.path}: access denied.`, { folderId: photos.id, path: row.path, code: 'AccessDenied', hint: 'Give the key pair cos:PutObject on this bucket.' }, logged);
        } else if (cursor % 10_000 === 5000) {
          row.status = { state: 'identical' };
          row.encryption = { algorithm: 'none', verifiedAt: now, checksumVerified: true };
        } else {
          row.status = { state: 'synced', syncedAt: now };
          row.encryption = { algorithm: 'AES256', verifiedAt: now, checksumVerified: true };
          if (cursor < uploadLogLimit) {
            // The real service's sentence, from the same function: "Uploaded <path> (<size>) — AES256."
            const line = activityView({ id: 0, at: now, folderId: photos.id, path: row.path, action: 'uploaded', bytes: row.size, detail: 'AES256' });
            log('info', line.message, { folderId: photos.id, path: row.path }, logged);
          }
        }
        if (changed.length < 50) changed.push(row);
      }
      if (logged.length > 0) emit({ type: 'activity', entries: logged });
      if (cursor < rows.length) rows[cursor]!.status = { state: 'uploading', percent: 40 };
      bytesThisSecond += bytes;
      recount(photos);
      emit({ type: 'file-changed', folderId: photos.id, rows: structuredClone(changed) });
      setStatus(photos, cursor >= rows.length ? { kind: 'idle', lastSyncedAt: now } : syncingStatus(rows, cursor, rate));
      if (cursor >= rows.length) {
        photos.lastSyncedAt = now;
        log('info', `${photos.localPath} is up to date: ${photos.counts.synced.toLocaleString('en')} files stored encrypted.`, { folderId: photos.id });
      }
    }
    if (engine.rotation) {
      const moved = Math.min(60, engine.keys[0]!.objects);
      engine.keys[0]!.objects -= moved;
      engine.keys.at(-1)!.objects += moved;
      engine.rotation.resealed += moved;
      if (engine.rotation.resealed >= engine.rotation.total) engine.rotation = null;
      emit({ type: 'engine-status', engine: structuredClone(engine) });
      snapshotSoon();
    }
    if (Date.now() - lastSampleAt >= 1000) {
      const now = Date.now();
      simulatedRate = Math.min(60_000_000, Math.max(25_000_000, simulatedRate + (Math.random() - 0.5) * 8_000_000));
      const syncing = folders.some((folder) => folder.status.kind === 'syncing');
      rate = Math.round((syncing ? simulatedRate : 0) + (uploadBytesThisSecond * 1000) / (now - lastSampleAt));
      const sample = { at: now, bytesPerSecond: rate };
      throughput.push(sample);
      while (throughput.length > 0 && throughput[0]!.at < now - 120_000) throughput.shift();
      emit({ type: 'throughput', sample });
      if (rate > 0 || throughput.at(-2)?.bytesPerSecond) snapshotSoon();
      bytesThisSecond = 0;
      uploadBytesThisSecond = 0;
      lastSampleAt = now;
    }
  };

  for (const folder of folders) recount(folder);
  log('info', 'COS Sync started (headless).');
  let timer: NodeJS.Timeout | undefined = options.autoStart === false ? undefined : setInterval(step, tickMs);
  const record = (method: string, args: unknown[]): void => {
    calls.push({ method, args: structuredClone(args) });
  };

  const service: FakeService = {
    calls,
    secretKeys,
    get listenerCount() {
      return listeners.size;
    },
    setPace(filesPerTick) {
      pace = filesPerTick;
    },
    emit,
    setFolderStatus(folderId, status) {
      setStatus(folderOf(folderId), status);
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      clearTimeout(snapshotTimer);
      uploads.close();
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async getSnapshot() {
      return snapshot();
    },
    async listFiles(query) {
      record('listFiles', [query]);
      const rows = files.get(folderOf(query.folderId).id)!;
      const search = query.search?.toLowerCase() ?? '';
      const stateCounts: Record<string, number> = {};
      for (const row of rows) stateCounts[row.status.state] = (stateCounts[row.status.state] ?? 0) + 1;
      const matching = query.state || search ? rows.filter((row) => (!query.state || row.status.state === query.state) && (!search || row.path.toLowerCase().includes(search))) : rows;
      return { folderId: query.folderId, offset: query.offset, total: matching.length, rows: structuredClone(matching.slice(query.offset, query.offset + query.limit)), stateCounts };
    },
    async listActivity(query) {
      const from = query.before ? activity.findIndex((entry) => entry.id === query.before) + 1 : 0;
      const entries = activity.slice(from, from + query.limit);
      return { entries, nextBefore: from + query.limit < activity.length ? (entries.at(-1)?.id ?? null) : null };
    },
    async addFolder(request) {
      record('addFolder', [request]);
      if (folders.some((folder) => folder.localPath === request.localPath)) throw new CosSyncError('FolderAlreadySynced', `${request.localPath} is already synced.`, { hint: 'Pick another folder.' });
      const folder: FolderSnapshot = { id: `f${folders.length + 1}`, localPath: request.localPath, profileId: request.profileId ?? 'tencent', bucket: request.bucket ?? 'photos-1250000000', prefix: request.prefix ?? '', deletePolicy: request.deletePolicy ?? 'keep', status: { kind: 'idle', lastSyncedAt: Date.now() }, counts: emptyCounts(), lastSyncedAt: Date.now() };
      folders.push(folder);
      files.set(folder.id, []);
      log('info', `Now syncing ${folder.localPath}.`, { folderId: folder.id });
      snapshotSoon();
      return structuredClone(folder);
    },
    async removeFolder(id) {
      record('removeFolder', [id]);
      folders.splice(folders.indexOf(folderOf(id)), 1);
      files.delete(id);
      log('info', `Stopped syncing folder ${id}.`);
      snapshotSoon();
    },
    async pauseFolder(id) {
      record('pauseFolder', [id]);
      const folder = folderOf(id);
      if (folder.status.kind !== 'paused') setStatus(folder, { kind: 'paused', since: Date.now() });
    },
    async resumeFolder(id) {
      record('resumeFolder', [id]);
      const folder = folderOf(id);
      const rows = files.get(id)!;
      // Like the real service, resuming an offline or failed folder retries at once (here: the retry succeeds).
      const stopped = folder.status.kind === 'offline' || folder.status.kind === 'error';
      if (folder.status.kind === 'paused' || stopped) setStatus(folder, id === bigFolderId && cursor < rows.length ? syncingStatus(rows, cursor, rate) : { kind: 'idle', lastSyncedAt: stopped ? Date.now() : folder.lastSyncedAt });
    },
    async pauseAll() {
      record('pauseAll', []);
      allPaused = true;
      for (const folder of folders) await service.pauseFolder(folder.id);
    },
    async resumeAll() {
      record('resumeAll', []);
      allPaused = false;
      for (const folder of folders) await service.resumeFolder(folder.id);
    },
    async rescanFolder(id) {
      record('rescanFolder', [id]);
      folderOf(id);
      log('info', `Rescanning folder ${id}.`, { folderId: id });
    },
    async retryFailed(id) {
      record('retryFailed', [id]);
      let retried = 0;
      for (const row of files.get(folderOf(id).id)!) {
        if (row.status.state === 'error') {
          row.status = { state: 'synced', syncedAt: Date.now() };
          row.encryption = { algorithm: 'AES256', verifiedAt: Date.now(), checksumVerified: true };
          retried += 1;
        }
      }
      recount(folderOf(id));
      snapshotSoon();
      return { retried };
    },
    async confirmDeletes(id, accept) {
      record('confirmDeletes', [id, accept]);
      setStatus(folderOf(id), { kind: 'idle', lastSyncedAt: Date.now() });
    },
    async listFileVersions(id, filePath) {
      record('listFileVersions', [id, filePath]);
      const folder = folderOf(id);
      const list = versions.get(`${id}/${filePath}`) ?? fakeVersions(filePath);
      versions.set(`${id}/${filePath}`, list);
      return { folderId: id, path: filePath, bucket: folder.bucket, key: folder.prefix + filePath, versioning: 'Enabled', retentionDays: settings.general.versionRetentionDays, versions: structuredClone(list) };
    },
    async restoreFileVersion(id, filePath, versionId) {
      record('restoreFileVersion', [id, filePath, versionId]);
      const list = versions.get(`${id}/${filePath}`) ?? fakeVersions(filePath);
      const source = list.find((version) => version.versionId === versionId);
      if (!source || source.deleteMarker) throw Object.assign(new Error('That version cannot be restored.'), { code: 'NoSuchVersion' });
      for (const version of list) version.isLatest = false;
      const restored: FileVersion = { ...source, versionId: `v${Date.now().toString(16)}`, isLatest: true, modifiedAt: Date.now() };
      list.unshift(restored);
      versions.set(`${id}/${filePath}`, list);
      return structuredClone(restored);
    },
    async getSettings() {
      return structuredClone(settings);
    },
    async updateSettings(patch) {
      record('updateSettings', [patch]);
      for (const input of patch.upsertProfiles ?? []) {
        const id = input.id ?? `p${settings.profiles.length + 1}`;
        const old = settings.profiles.find((profile) => profile.id === id);
        if (input.kind === 'cos' && input.secretKey) secretKeys.set(id, input.secretKey);
        const view = input.kind === 'engine'
          ? { kind: 'engine' as const, id, name: input.name, bucket: input.bucket, endpoint: engine.endpoint }
          : { kind: 'cos' as const, id, name: input.name, secretId: input.secretId, hasSecretKey: secretKeys.has(id) || (old?.kind === 'cos' && old.hasSecretKey), region: input.region, bucket: input.bucket, endpoint: input.endpoint ?? null };
        if (old) settings.profiles[settings.profiles.indexOf(old)] = view;
        else settings.profiles.push(view);
      }
      settings.profiles = settings.profiles.filter((profile) => !patch.removeProfiles?.includes(profile.id));
      if (patch.defaultProfileId !== undefined) settings.defaultProfileId = patch.defaultProfileId;
      Object.assign(settings.general, patch.general);
      log('info', 'Settings saved.');
      return structuredClone(settings);
    },
    async testProfile(profile) {
      record('testProfile', [profile]);
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (profile.kind === 'engine') return { ok: true, endpoint: engine.endpoint!, latencyMs: 2, bucketEncryption: 'AES256' };
      const endpoint = profile.endpoint ?? `https://${profile.bucket}.cos.${profile.region}.myqcloud.com`;
      if (profile.bucket.includes('missing')) return { ok: false, endpoint, status: 404, code: 'NoSuchBucket', message: `The bucket ${profile.bucket} does not exist in ${profile.region}.`, hint: 'Check the bucket name (name-APPID) and the region.' };
      const known = profile.secretKey !== undefined || (profile.id !== undefined && settings.profiles.some((stored) => stored.id === profile.id && stored.kind === 'cos' && stored.hasSecretKey));
      if (!known) return { ok: false, endpoint, status: 403, code: 'InvalidAccessKeyId', message: 'No SecretKey is stored for this profile.', hint: 'Enter the SecretKey of this SecretId.' };
      return { ok: true, endpoint, latencyMs: 38, bucketEncryption: 'AES256' };
    },
    async startUpload(request) {
      record('startUpload', [request]);
      return uploads.start(request);
    },
    async cancelUpload(id) {
      record('cancelUpload', [id]);
      uploads.cancel(id);
    },
    async receiveUploadBody(uploadId, index, body, signal) {
      record('receiveUploadBody', [uploadId, index]);
      return uploads.receive(uploadId, index, body, signal);
    },
    async startBucketJob() {
      throw Object.assign(new Error('Bucket jobs run against the real service (test/e2e/realServe*.ts).'), { code: 'NotImplemented' });
    },
    async controlBucketJob() {
      throw Object.assign(new Error('Bucket jobs run against the real service.'), { code: 'NotImplemented' });
    },
    async listBucketJobs() {
      return [];
    },
    async getEngineStatus() {
      return structuredClone(engine);
    },
    async rotateEngineKey() {
      record('rotateEngineKey', []);
      const version = engine.keys.length + 1;
      for (const key of engine.keys) key.active = false;
      engine.keys.push({ version, createdAt: Date.now(), objects: 0, active: true });
      engine.activeKeyVersion = version;
      engine.rotation = { resealed: 0, total: engine.keys.slice(0, -1).reduce((sum, key) => sum + key.objects, 0) };
      log('info', `Engine master key rotated to version ${version}; re-sealing data keys.`);
      emit({ type: 'engine-status', engine: structuredClone(engine) });
      if (!timer) step();
      return structuredClone(engine);
    },
  };
  return service;
}

function emptyCounts(): FolderSnapshot['counts'] {
  return { files: 0, bytes: 0, synced: 0, queued: 0, errors: 0, excluded: 0, encrypted: 0, unencrypted: 0 };
}

function syncingStatus(rows: FileRow[], cursor: number, rate: number): FolderStatus {
  let bytesDone = 0;
  let bytesTotal = 0;
  for (let index = 0; index < rows.length; index += 1) {
    bytesTotal += rows[index]!.size;
    if (index < cursor) bytesDone += rows[index]!.size;
  }
  return { kind: 'syncing', filesDone: cursor, filesTotal: rows.length, bytesDone, bytesTotal, rate, etaSeconds: rate > 0 ? Math.round((bytesTotal - bytesDone) / rate) : null };
}

function overallOf(folders: FolderSnapshot[]): AppSnapshot['overall'] {
  const order: OverallState[] = ['error', 'attention', 'offline', 'syncing', 'scanning', 'paused', 'idle'];
  const kinds = new Set(folders.map((folder) => (folder.status.kind === 'confirm-deletes' ? 'attention' : folder.status.kind)));
  // As the real service: failed files keep the window from saying "up to date".
  const failed = folders.reduce((sum, folder) => sum + folder.counts.errors, 0);
  if (failed > 0) kinds.add('attention');
  const state = folders.length === 0 ? 'no-folders' : (order.find((candidate) => kinds.has(candidate as never)) ?? 'idle');
  const confirming = folders.some((folder) => folder.status.kind === 'confirm-deletes');
  const messages: Record<OverallState, string> = { error: 'A folder needs your attention', attention: confirming ? 'Deletions are waiting for confirmation' : `${failed} files could not be synced`, offline: 'Offline — will retry', syncing: 'Syncing', scanning: 'Scanning for changes', paused: 'Paused', idle: 'Everything is up to date', 'no-folders': 'Add a folder to start syncing' };
  return { state, message: messages[state] };
}
