/** The app service: wires settings, the bundled engine, COS clients, sync and manual uploads behind the contract. */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CosSyncError, describeError } from '../common/errors.ts';
import { makePrivateDir } from '../common/privateFiles.ts';
import { silentLogger, type Logger } from '../common/logger.ts';
import { crc64File } from '../protocol/crc64.ts';
import { SyncManager } from '../sync/syncManager.ts';
import { nativeWatcherFactory } from '../sync/watcherNative.ts';
import { MARKER_FILE, type FolderConfig } from '../sync/folderConfig.ts';
import { addActivity, listActivity, listFiles } from '../sync/journalQueries.ts';
import { retryAllErrors } from '../sync/journalErrors.ts';
import type { FolderLoopOptions } from '../sync/folderLoop.ts';
import type { AppEvent, AppEventListener, AppSnapshot, CosSyncService, FolderSnapshot, ProfileInput, ProfileTestResult } from './contract.ts';
import { createCosRemoteStore } from './cosRemoteStore.ts';
import { startEngineHost, type EngineHost } from './engineHost.ts';
import { createFileSecretStore } from './fileSecretStore.ts';
import { BucketJobs } from './bucketJobs.ts';
import { ManualUploads } from './manualUploads.ts';
import { ProfileClients } from './profileClients.ts';
import { createConfSettingsStore } from './confSettingsStore.ts';
import { applySettingsPatch, normaliseSettings, settingsView, type SecretStore, type SettingsStore, type StoredFolder, type StoredSettings } from './settings.ts';
import { SnapshotBuilder } from './snapshotBuilder.ts';
import { withFirstRunDefaults } from './firstRun.ts';
import { activityView, fileRowView } from './statusViews.ts';
import { testProfileLive } from './profileTest.ts';
import { listFileVersions, restoreFileVersion } from './fileVersions.ts';
import { applyVersionRetention } from './versionRetention.ts';

/** Options of {@link createAppService}. */
export interface AppServiceOptions {
  /** App data folder: settings, journal, engine data, staging. */
  dataDir: string;
  mode: 'desktop' | 'headless';
  /** On first run, this folder is created and synced to the bundled engine (zero setup). */
  defaultFolder?: string;
  /** Folders to sync in addition to the stored ones (headless `--folder`). */
  folders?: string[];
  secrets?: SecretStore;
  settings?: SettingsStore;
  /** Port of the bundled engine; 0 (default) picks a free one. */
  enginePort?: number;
  /** PEM certificates trusted for accounts that name no CA file of their own (`serve --ca-file`, the desktop app's `--ca-file`). */
  caFile?: string;
  logger?: Logger;
  /** Sync tuning (tests). */
  loopOptions?: Pick<FolderLoopOptions, 'hotFileDelayMs' | 'maxDelayMs' | 'probeBaseMs' | 'probeMaxMs' | 'verifyIntervalMs' | 'deleteSettleMs'>;
  /** Folder tuning (tests): debounce and rescan intervals. */
  folderDefaults?: Partial<Pick<FolderConfig, 'debounceMs' | 'rescanIntervalMs' | 'fallbackRescanIntervalMs'>>;
}

/** The running service: the contract plus lifecycle. */
export interface AppService extends CosSyncService {
  /** Endpoint of the bundled engine, when it runs. */
  readonly engineEndpoint: string | null;
  /** Resolves when no folder has work running or queued. */
  whenIdle(): Promise<void>;
  /** Stops sync, uploads and the engine. */
  close(): Promise<void>;
}

const appVersion = '0.1.0';

function invalid(message: string, hint?: string): CosSyncError {
  return new CosSyncError('InvalidArgument', message, hint ? { hint } : {});
}

/** Starts everything and returns the service. */
export async function createAppService(options: AppServiceOptions): Promise<AppService> {
  const logger = options.logger ?? silentLogger;
  makePrivateDir(options.dataDir);
  const settingsStore = options.settings ?? createConfSettingsStore(options.dataDir);
  const secrets = options.secrets ?? createFileSecretStore(options.dataDir);
  let settings: StoredSettings = normaliseSettings(settingsStore.read());
  const save = (next: StoredSettings): void => {
    settings = next;
    settingsStore.write(next);
  };

  save(await withFirstRunDefaults(settings, options.defaultFolder, options.folders ?? []));

  const listeners = new Set<AppEventListener>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.log('warn', 'event listener failed', { error: String(error) });
      }
    }
  };

  let engine: EngineHost | undefined;
  if (settings.profiles.some((profile) => profile.kind === 'engine')) {
    engine = await startEngineHost({ dataDir: options.dataDir, ...(options.enginePort !== undefined ? { port: options.enginePort } : {}), logger, onChange: (status) => emit({ type: 'engine-status', engine: status }) });
  }
  const clients = new ProfileClients(secrets, () => engine?.handle, options.caFile);
  await clients.refresh(settings.profiles);

  const manager = new SyncManager({
    journalPath: path.join(options.dataDir, 'journal.sqlite'),
    crc64File: async (file, signal) => String(await crc64File(file, signal)),
    // One watch per directory: at 100,000 files chokidar (a watch per file) needs 436 MiB, this 172 (docs/ARCHITECTURE.md).
    createWatcher: nativeWatcherFactory(),
    bandwidthLimit: settings.general.bandwidthLimit ?? 0,
    createRemoteStore: (folder) => createCosRemoteStore({ client: () => clients.client(folder.profile), bucket: folder.bucket, sse: { mode: 'AES256' } }),
    ...(options.loopOptions ? { loopOptions: options.loopOptions } : {}),
  });
  const journal = manager.journal;
  const record = (entry: { action: string; path: string; bytes?: number; detail?: string; hint?: string; folderId?: string }): void => {
    const event = { at: Date.now(), folderId: entry.folderId ?? '', path: entry.path, action: entry.action as 'uploaded', ...(entry.bytes !== undefined ? { bytes: entry.bytes } : {}), ...(entry.detail ? { detail: entry.detail } : {}), ...(entry.hint ? { hint: entry.hint } : {}) };
    const id = addActivity(journal, event);
    emit({ type: 'activity', entries: [activityView({ ...event, id })] });
  };

  const uploads = new ManualUploads({
    clientFor: (profileId) => clients.client(profileId ?? settings.defaultProfileId ?? ''),
    stagingDir: path.join(options.dataDir, 'staging'),
    emit,
    record: (entry) => record(entry.error ? { action: 'manual-upload-failed', path: entry.key, detail: entry.error, ...(entry.hint ? { hint: entry.hint } : {}) } : { action: 'manual-upload', path: entry.key, ...(entry.bytes !== undefined ? { bytes: entry.bytes } : {}) }),
  });

  const snapshots = new SnapshotBuilder({
    appVersion,
    mode: options.mode,
    journal,
    manager,
    folders: () => settings.folders,
    uploads,
    storeProblems: () => [...(settingsStore.problems?.() ?? []), ...(secrets.problems?.() ?? [])],
    engineStatus: async () => (engine ? engine.status() : {
      state: 'disabled', endpoint: null, activeKeyVersion: null, keys: [], objects: 0, bytes: 0, noncurrentVersions: 0, noncurrentBytes: 0, rotation: null,
    }),
    emit,
  });

  const folderConfig = (folder: StoredFolder): FolderConfig => ({
    id: folder.id,
    localPath: folder.localPath,
    profile: folder.profileId,
    bucket: folder.bucket,
    prefix: folder.prefix,
    deletePolicy: folder.deletePolicy,
    concurrency: settings.general.concurrency,
    excludes: settings.general.excludes,
    maxDeleteFiles: settings.general.deleteConfirmThreshold,
    paused: folder.paused,
    ...options.folderDefaults,
  });

  const connection = new Map<string, boolean>();
  manager.on('folder-status', (event) => {
    snapshots.folderStatus(event);
    // Losing and regaining the storage is worth a line in the activity log; every retry in between is not.
    const folder = settings.folders.find((candidate) => candidate.id === event.folderId);
    if (!folder || event.state === 'scanning' || event.state === 'paused') return;
    const offline = event.state === 'offline';
    if (offline === (connection.get(event.folderId) ?? false)) return;
    connection.set(event.folderId, offline);
    record(
      offline
        ? { action: 'offline', path: `Lost contact with ${folder.bucket} for ${folder.localPath}; changes wait and are uploaded when it answers again`, folderId: folder.id }
        : { action: 'online', path: `${folder.bucket} answers again; syncing ${folder.localPath} resumed`, folderId: folder.id },
    );
  });
  manager.on('file-status', (event) => snapshots.fileStatus(event));
  manager.on('activity', (event) => emit({ type: 'activity', entries: [activityView(event)] }));
  manager.on('loop-error', ({ folderId, error }) => logger.log('error', 'folder loop error', { folderId, error: String(error) }));

  // The bundled engine keeps old versions of every synced file for the chosen days, so an overwrite can be undone.
  const applyRetention = async (): Promise<void> => {
    for (const profile of settings.profiles) {
      if (profile.kind !== 'engine' || !engine?.handle) continue;
      try {
        await applyVersionRetention(clients.client(profile.id), profile.bucket, settings.general.versionRetentionDays);
      } catch (error) {
        logger.log('warn', 'version retention not applied', { bucket: profile.bucket, error: describeError(error) });
        record({ action: 'engine', path: `Could not set how long ${profile.bucket} keeps old versions: ${describeError(error)}` });
      }
    }
  };
  await applyRetention();

  for (const folder of settings.folders) await manager.addFolder(folderConfig(folder));
  await manager.start();
  snapshots.start();

  const folderOf = (folderId: string): StoredFolder => {
    const folder = settings.folders.find((candidate) => candidate.id === folderId);
    if (!folder) throw new CosSyncError('NoSuchFolder', `There is no synced folder with id ${folderId}.`, { hint: 'Refresh the window; the folder may have been removed.' });
    return folder;
  };
  const updateFolder = (folderId: string, change: Partial<StoredFolder>): void =>
    save({ ...settings, folders: settings.folders.map((folder) => (folder.id === folderId ? { ...folder, ...change } : folder)) });
  const restartFolder = async (folder: StoredFolder): Promise<void> => {
    await manager.removeFolder(folder.id);
    await manager.addFolder(folderConfig(folder));
  };

  const bucketJobs = new BucketJobs({
    dataDir: options.dataDir,
    emit,
    record: (message) => record({ action: 'settings', path: message }),
    profileTarget: (profileId, prefix) => {
      const profile = settings.profiles.find((candidate) => candidate.id === (profileId ?? settings.defaultProfileId));
      if (!profile) throw invalid('There is no account to check.', 'Add an account in the settings first.');
      return { profileId: profile.id, bucket: profile.bucket, prefix, client: clients.client(profile.id) };
    },
    folderTarget: (folderId) => {
      const folder = folderOf(folderId);
      return { profileId: folder.profileId, bucket: folder.bucket, prefix: folder.prefix, client: clients.client(folder.profileId) };
    },
  });

  const service: AppService = {
    get engineEndpoint() {
      return engine?.handle?.endpoint ?? null;
    },
    on(listener) {
      listeners.add(listener);
      void snapshots.snapshot().then((snapshot) => listeners.has(listener) && listener({ type: 'snapshot-changed', snapshot }));
      return () => void listeners.delete(listener);
    },
    getSnapshot: (): Promise<AppSnapshot> => snapshots.snapshot(),
    async listFiles(query) {
      folderOf(query.folderId);
      const page = listFiles(journal, query.folderId, {
        offset: query.offset,
        limit: query.limit,
        ...(query.state ? { states: [query.state] } : {}),
        ...(query.search ? { search: query.search } : {}),
      });
      return { folderId: query.folderId, offset: query.offset, total: page.total, rows: page.rows.map((row) => fileRowView(row, snapshots.percentOf(query.folderId, row.path))), stateCounts: snapshots.stateCounts(query.folderId) };
    },
    async listActivity(query) {
      const beforeId = query.before === undefined ? undefined : Number.parseInt(query.before, 10);
      const events = listActivity(journal, { limit: query.limit, ...(beforeId !== undefined && Number.isFinite(beforeId) ? { beforeId } : {}) });
      const entries = events.map(activityView);
      return { entries, nextBefore: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null };
    },
    async addFolder(request): Promise<FolderSnapshot> {
      const localPath = path.resolve(request.localPath.replace(/^~(?=$|\/)/, os.homedir()));
      const info = await stat(localPath).catch(() => undefined);
      if (!info?.isDirectory()) throw invalid(`${localPath} is not a folder on this machine.`, 'Check the path; the folder must exist.');
      const overlapping = settings.folders.find((folder) => localPath === folder.localPath || localPath.startsWith(folder.localPath + path.sep) || folder.localPath.startsWith(localPath + path.sep));
      if (overlapping) throw invalid(`${localPath} overlaps the synced folder ${overlapping.localPath}.`, 'Sync each folder once; remove the other folder first.');
      const profileId = request.profileId ?? settings.defaultProfileId;
      const profile = settings.profiles.find((candidate) => candidate.id === profileId);
      if (!profile) throw invalid('There is no account to sync to.', 'Add an account in the settings first.');
      const deletePolicy = request.deletePolicy ?? 'keep';
      const folder: StoredFolder = { id: randomUUID(), localPath, profileId: profile.id, bucket: request.bucket ?? profile.bucket, prefix: request.prefix ?? '', deletePolicy, paused: false };
      save({ ...settings, folders: [...settings.folders, folder] });
      await manager.addFolder(folderConfig(folder));
      record({ action: 'settings', path: `Started syncing ${localPath} to ${folder.bucket}/${folder.prefix}`, folderId: folder.id });
      if (deletePolicy === 'mirror') record({ action: 'settings', path: `Mirror mode needs a ${MARKER_FILE} file in ${localPath} before anything is deleted`, folderId: folder.id });
      return snapshots.folderSnapshot(folder);
    },
    async removeFolder(folderId) {
      const folder = folderOf(folderId);
      await manager.removeFolder(folderId, { forget: true });
      save({ ...settings, folders: settings.folders.filter((candidate) => candidate.id !== folderId) });
      record({ action: 'settings', path: `Stopped syncing ${folder.localPath} (nothing was deleted)` });
      snapshots.changed();
    },
    async pauseFolder(folderId) {
      folderOf(folderId);
      manager.pause(folderId);
      updateFolder(folderId, { paused: true });
      snapshots.changed();
    },
    async resumeFolder(folderId) {
      folderOf(folderId);
      manager.resume(folderId);
      updateFolder(folderId, { paused: false });
      snapshots.changed();
    },
    async pauseAll() {
      manager.pause();
      snapshots.changed();
    },
    async resumeAll() {
      manager.resume();
      snapshots.changed();
    },
    async rescanFolder(folderId) {
      folderOf(folderId);
      manager.folder(folderId)?.requestRescan('asked by the user');
    },
    async retryFailed(folderId) {
      folderOf(folderId);
      const retried = retryAllErrors(journal, folderId);
      manager.folder(folderId)?.requestRescan('retry failed files');
      return { retried };
    },
    async confirmDeletes(folderId, accept) {
      const folder = folderOf(folderId);
      if (accept) {
        manager.folder(folderId)?.confirmDeletes();
        return;
      }
      // Declining keeps every remote object: the folder goes back to upload-only until the user opts in again.
      updateFolder(folderId, { deletePolicy: 'keep' });
      await restartFolder({ ...folder, deletePolicy: 'keep' });
      record({ action: 'settings', path: `Kept the remote copies of deleted files in ${folder.localPath}; the folder is upload-only now`, folderId });
    },
    async listFileVersions(folderId, filePath) {
      const folder = folderOf(folderId);
      return listFileVersions(clients.client(folder.profileId), folder, filePath);
    },
    async restoreFileVersion(folderId, filePath, versionId) {
      const folder = folderOf(folderId);
      const restored = await restoreFileVersion(clients.client(folder.profileId), folder, filePath, versionId);
      record({ action: 'restored', path: filePath, bytes: restored.size, detail: 'it is the current version again; the file in the folder is unchanged', folderId });
      return restored;
    },
    getSettings: () => settingsView(settings, secrets, engine?.handle?.endpoint ?? null),
    async updateSettings(patch) {
      const result = applySettingsPatch(settings, patch);
      for (const [name, value] of result.secrets) {
        if (value === null) await secrets.delete(name);
        else await secrets.set(name, value);
      }
      const before = settings;
      save(result.settings);
      await clients.refresh(settings.profiles);
      if (patch.general?.bandwidthLimit !== undefined) manager.setBandwidthLimit(patch.general.bandwidthLimit ?? 0);
      if (before.general.versionRetentionDays !== settings.general.versionRetentionDays || (patch.upsertProfiles ?? []).some((profile) => profile.kind === 'engine')) {
        await applyRetention();
        const days = settings.general.versionRetentionDays;
        if (before.general.versionRetentionDays !== days) record({ action: 'settings', path: days === null ? 'Old versions of files are kept until deleted' : `Old versions of files are kept for ${days} days` });
      }
      const changedProfiles = new Set((patch.upsertProfiles ?? []).flatMap((profile) => (profile.id ? [profile.id] : [])));
      // Options every loop was built with: changing them restarts the loops (the journal keeps their state).
      const loopOptionsChanged = JSON.stringify([before.general.excludes, before.general.concurrency, before.general.deleteConfirmThreshold]) !== JSON.stringify([settings.general.excludes, settings.general.concurrency, settings.general.deleteConfirmThreshold]);
      for (const folder of settings.folders) {
        const stillThere = settings.profiles.some((profile) => profile.id === folder.profileId);
        const profileChanged = changedProfiles.has(folder.profileId) && stillThere && before.profiles.some((profile) => profile.id === folder.profileId);
        if (profileChanged || loopOptionsChanged) await restartFolder(folder);
      }
      snapshots.changed();
      return settingsView(settings, secrets, engine?.handle?.endpoint ?? null);
    },
    async testProfile(profile: ProfileInput): Promise<ProfileTestResult> {
      return testProfileLive(profile, { secrets, engine: engine?.handle, ...(options.caFile ? { defaultCaFile: options.caFile } : {}) });
    },
    async startUpload(request) {
      return uploads.start(request);
    },
    async cancelUpload(uploadId) {
      uploads.cancel(uploadId);
      snapshots.changed();
    },
    receiveUploadBody: (uploadId, index, body, signal) => uploads.receiveBody(uploadId, index, body, signal),
    startBucketJob: async (request) => bucketJobs.start(request),
    controlBucketJob: async (jobId, action) => bucketJobs.control(jobId, action),
    listBucketJobs: async () => bucketJobs.list(),
    async getEngineStatus() {
      return engine ? engine.status() : snapshots.snapshot().then((snapshot) => snapshot.engine);
    },
    async rotateEngineKey() {
      if (!engine) throw new CosSyncError('EngineDisabled', 'The bundled engine is not running.', { hint: 'Add the bundled engine as an account to use it.' });
      const status = await engine.rotate();
      record({ action: 'engine', path: `Rotated the engine master key to version ${status.activeKeyVersion}; re-sealing older data keys in the background` });
      return status;
    },
    whenIdle: () => manager.whenIdle(),
    async close() {
      snapshots.stop();
      uploads.close();
      await bucketJobs.close();
      listeners.clear();
      await manager.dispose();
      await clients.close();
      await engine?.close();
    },
  };
  return service;
}
