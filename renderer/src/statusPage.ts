/** Entry of the status window: wires the bridge's snapshot and events to the panels. */
import type { AppSnapshot, FolderSnapshot, OverallState } from '../../core/app/contract.ts';
import { bridge, errorText, onConnectionChange } from './api.ts';
import { createActivityView } from './activityView.ts';
import { byId, h, replaceChildren } from './dom.ts';
import { createBucketView } from './bucketView.ts';
import { createEngineView } from './engineView.ts';
import { createFileList } from './fileList.ts';
import { createFoldersView } from './foldersView.ts';
import { formatBytes, formatCount, formatRate, plural } from './format.ts';
import { createGeneralView } from './generalView.ts';
import { createSettingsView } from './settingsView.ts';
import { createThroughputChart } from './throughputChart.ts';
import { setupTabs } from './tabs.ts';
import { withSessionToken } from './sessionToken.ts';
import { createVersionsPanel } from './versionsPanel.ts';

const toast = byId('toast');
let toastTimer: number | undefined;

/** Runs a user action; failures show in the toast with their fix hint. */
function run(label: string, action: () => Promise<unknown>): void {
  action().catch((error: unknown) => {
    const { message, hint } = errorText(error);
    replaceChildren(toast, h('strong', {}, `${label} failed: `), message, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null);
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => (toast.hidden = true), 8000);
  });
}

const versions = createVersionsPanel(bridge);
const files = createFileList(bridge, (folderId, path) => versions.show(folderId, path));
const folders = createFoldersView(bridge, run, (folder) => {
  versions.hide();
  files.setFolder(folder.id, folder.localPath);
});
const chart = createThroughputChart();
const engine = createEngineView(bridge, run, (status) => engine.render(status));
const activity = createActivityView(bridge);
const bucket = createBucketView(bridge, run);
const onSettings = (settings: Parameters<typeof profiles.render>[0]): void => {
  profiles.render(settings);
  bucket.setProfiles(settings);
  general.render(settings);
  folders.setProfiles(settings);
};
const profiles = createSettingsView(bridge, (settings) => onSettings(settings));
const general = createGeneralView(bridge, (settings) => onSettings(settings), bridge.kind === 'desktop');
byId('column-main').append(folders.element, files.element, versions.element);
byId('column-side').append(chart.element, engine.element, activity.element);
byId('panel-settings').append(profiles.element, general.element);
byId('panel-bucket').append(bucket.element);
setupTabs();
// The upload window is another tab: hand it this tab's token in the fragment (sessionStorage is per tab).
if (bridge.kind === 'browser') byId<HTMLAnchorElement>('open-upload').href = withSessionToken('upload.html');

const overallText = byId('overall-text');
const overallDot = byId('overall-dot');
const totals = byId('totals');
const pauseAll = byId<HTMLButtonElement>('pause-all');
const errors = byId('errors');
const connection = byId('connection');
let shown: AppSnapshot | null = null;
const dotClass: Record<OverallState, string> = { error: 'bad', attention: 'warn', offline: 'warn', syncing: 'busy', scanning: 'busy', paused: 'muted', idle: 'ok', 'no-folders': 'muted' };

function renderSnapshot(snapshot: AppSnapshot): void {
  if (shown && snapshot.sequence <= shown.sequence) return;
  const countsChanged = JSON.stringify(shown?.folders.map((folder) => folder.counts)) !== JSON.stringify(snapshot.folders.map((folder) => folder.counts));
  shown = snapshot;
  overallText.textContent = snapshot.overall.message;
  overallDot.className = `dot dot-${dotClass[snapshot.overall.state]}`;
  document.title = `COS Sync — ${snapshot.overall.message}`;
  const t = snapshot.totals;
  totals.textContent = `${formatCount(t.synced)} of ${plural(t.files, 'file')} stored · ${formatBytes(t.bytes)} · ${formatCount(t.encrypted)} encrypted${t.unencrypted ? ` · ${formatCount(t.unencrypted)} not encrypted` : ''} · ${formatRate(t.rate)}`;
  pauseAll.textContent = snapshot.allPaused ? 'Resume all' : 'Pause all';
  folders.render(snapshot.folders);
  activity.setFolders(snapshot.folders);
  settingsForProfiles(snapshot.folders);
  chart.reset(snapshot.throughput);
  engine.render(snapshot.engine);
  errors.hidden = snapshot.errors.length === 0;
  replaceChildren(errors, ...snapshot.errors.map((error) => h('p', {}, h('strong', {}, `${error.code}: `), error.message, error.hint ? h('span', { class: 'hint' }, ` How to fix: ${error.hint}`) : null)));
  if (countsChanged) files.refreshSoon();
}

pauseAll.addEventListener('click', () => run(shown?.allPaused ? 'Resume all' : 'Pause all', () => (shown?.allPaused ? bridge.resumeAll() : bridge.pauseAll())));

onConnectionChange((state) => {
  connection.hidden = state === 'open' || state === 'connecting';
  connection.textContent = state === 'unauthorized' ? 'Not authorized. Open the full address (with ?token=…) printed by `cos-sync serve`.' : 'Connection to COS Sync lost — reconnecting…';
});

// Settings name each folder's profile and endpoint: loaded once, and again when a folder uses a profile not seen yet.
let settingsLoading = false;
let settingsAskedFor = '';
function loadSettings(): void {
  settingsLoading = true;
  bridge.getSettings().then(onSettings, (error: unknown) => run('Load settings', () => Promise.reject(error))).finally(() => (settingsLoading = false));
}
function settingsForProfiles(list: FolderSnapshot[]): void {
  if (settingsLoading || folders.knowsProfiles(list)) return;
  const wanted = [...new Set(list.map((folder) => folder.profileId))].sort().join('\n');
  if (wanted === settingsAskedFor) return;
  settingsAskedFor = wanted;
  loadSettings();
}

loadSettings();
bridge.listBucketJobs().then((jobs) => {
  for (const job of jobs.toReversed()) {
    bucket.onJob(job);
    folders.onJob(job);
  }
}, (error: unknown) => run('Load bucket jobs', () => Promise.reject(error)));
bridge.subscribe((event) => {
  switch (event.type) {
    case 'snapshot-changed':
      renderSnapshot(event.snapshot);
      break;
    case 'folder-status':
      folders.setStatus(event.folderId, event.status);
      break;
    case 'file-changed':
      files.patch(event.folderId, event.rows);
      break;
    case 'activity':
      activity.prepend(event.entries);
      break;
    case 'throughput':
      chart.add(event.sample);
      break;
    case 'engine-status':
      engine.render(event.engine);
      break;
    case 'bucket-job':
      bucket.onJob(event.job);
      folders.onJob(event.job);
      break;
    default:
      break;
  }
});
// The browser's event stream connects after this script runs: entries logged before it is open would reach
// neither the first page nor the stream, so the log is (re)loaded each time the stream (re)opens.
if (bridge.kind === 'browser') {
  let opened = false;
  onConnectionChange((state) => {
    if (state !== 'open') return;
    if (opened) activity.reload();
    else activity.load();
    opened = true;
  });
} else activity.load();
