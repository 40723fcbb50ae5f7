/** One synced folder: state line, byte and file progress, and its actions (pause/resume, rescan, retry, remove). */
import type { CosSyncApi, FolderSnapshot, FolderStatus } from '../../core/app/contract.ts';
import { confirmButton, h, progressBar, replaceChildren } from './dom.ts';
import { formatBytes, formatCount, formatEta, formatRate, formatRelative } from './format.ts';

/** A folder card that can be updated in place (so focus and inline confirmations survive updates). */
export interface FolderCard {
  element: HTMLElement;
  update(folder: FolderSnapshot): void;
  setStatus(status: FolderStatus): void;
  setSelected(selected: boolean): void;
}

/** Callbacks a card needs besides the API. */
export interface FolderCardHooks {
  api: Pick<CosSyncApi, 'pauseFolder' | 'resumeFolder' | 'rescanFolder' | 'removeFolder' | 'retryFailed' | 'confirmDeletes'>;
  select(folderId: string): void;
  /** Runs an action and reports failures (shared error toast). */
  run(label: string, action: () => Promise<unknown>): void;
}

const stateNames: Record<FolderStatus['kind'], string> = {
  idle: 'Up to date', scanning: 'Scanning', syncing: 'Syncing', paused: 'Paused', offline: 'Offline', error: 'Error', 'confirm-deletes': 'Needs confirmation',
};

/** Describes a status in one line for people. */
export function describeStatus(status: FolderStatus): string {
  switch (status.kind) {
    case 'idle':
      return status.lastSyncedAt ? `Up to date · checked ${formatRelative(status.lastSyncedAt)}` : 'Up to date';
    case 'scanning':
      return status.total === null ? `Scanning · ${formatCount(status.done)} files checked` : `Scanning · ${formatCount(status.done)} of ${formatCount(status.total)} files checked`;
    case 'syncing':
      return `Syncing · ${formatCount(status.filesDone)} of ${formatCount(status.filesTotal)} files · ${formatBytes(status.bytesDone)} of ${formatBytes(status.bytesTotal)} · ${formatRate(status.rate)} · ${formatEta(status.etaSeconds)}`;
    case 'paused':
      return `Paused ${formatRelative(status.since)}`;
    case 'offline':
      return `Offline since ${formatRelative(status.since)} · trying again ${formatRelative(status.nextProbeAt)}`;
    case 'error':
      return 'Sync stopped: this folder needs your attention.';
    case 'confirm-deletes':
      return `${formatCount(status.count)} files were deleted here. Delete them from the bucket too?`;
  }
}

/** Builds a card for `folder`. */
export function createFolderCard(initial: FolderSnapshot, hooks: FolderCardHooks): FolderCard {
  let folder = initial;
  const id = folder.id;
  const pill = h('span', { class: 'pill', 'data-testid': 'folder-state' });
  const line = h('p', { class: 'folder-line', 'data-testid': 'folder-status-text' });
  const bytesBar = progressBar('Bytes uploaded', 'folder-bytes');
  const filesBar = progressBar('Files uploaded', 'folder-files');
  const bars = h('div', { class: 'folder-bars' },
    h('span', { class: 'bar-label' }, 'Data'), bytesBar.element,
    h('span', { class: 'bar-label' }, 'Files'), filesBar.element);
  const problem = h('div', { class: 'folder-problem', role: 'alert' });
  const counts = h('p', { class: 'muted folder-counts' });
  const pauseButton = h('button', { type: 'button', class: 'button', 'data-testid': 'folder-pause' });
  const retryButton = h('button', { type: 'button', class: 'button', 'data-testid': 'folder-retry' }, 'Retry failed');
  const showButton = h('button', { type: 'button', class: 'button', 'aria-pressed': 'false', 'data-testid': 'folder-show-files' }, 'Show files');
  const title = h('h3', { class: 'folder-title' }, folder.localPath);
  const target = h('p', { class: 'muted folder-target' });
  const element = h('article', { class: 'folder', 'data-testid': `folder-${id}`, 'aria-label': `Folder ${folder.localPath}` },
    h('div', { class: 'folder-head' }, h('div', { class: 'folder-name' }, title, target), pill),
    h('div', { 'aria-live': 'polite' }, line), bars, problem, counts,
    h('div', { class: 'actions' }, pauseButton,
      h('button', { type: 'button', class: 'button', 'data-testid': 'folder-rescan', onclick: () => hooks.run('Rescan', () => hooks.api.rescanFolder(id)) }, 'Rescan'),
      retryButton, showButton,
      confirmButton('Remove', 'Stop syncing this folder? Nothing is deleted.', () => hooks.run('Remove folder', () => hooks.api.removeFolder(id)), 'folder-remove')));

  pauseButton.addEventListener('click', () => {
    const paused = folder.status.kind === 'paused';
    hooks.run(paused ? 'Resume' : 'Pause', () => (paused ? hooks.api.resumeFolder(id) : hooks.api.pauseFolder(id)));
  });
  retryButton.addEventListener('click', () => hooks.run('Retry failed', () => hooks.api.retryFailed(id)));
  showButton.addEventListener('click', () => hooks.select(id));

  const setStatus = (status: FolderStatus): void => {
    folder = { ...folder, status };
    pill.textContent = stateNames[status.kind];
    pill.className = `pill pill-${status.kind}`;
    line.textContent = describeStatus(status);
    pauseButton.textContent = status.kind === 'paused' ? 'Resume' : 'Pause';
    const { counts: c } = folder;
    if (status.kind === 'syncing') {
      bytesBar.set(status.bytesTotal > 0 ? status.bytesDone / status.bytesTotal : 0, `${formatBytes(status.bytesDone)} of ${formatBytes(status.bytesTotal)}`);
      filesBar.set(status.filesTotal > 0 ? status.filesDone / status.filesTotal : 0, `${formatCount(status.filesDone)} of ${formatCount(status.filesTotal)} files`);
    } else if (status.kind === 'scanning') {
      bytesBar.set(0);
      filesBar.set(status.total ? status.done / status.total : 0);
    } else {
      const done = c.files - c.excluded > 0 ? c.synced / (c.files - c.excluded) : status.kind === 'idle' ? 1 : 0;
      bytesBar.set(status.kind === 'idle' ? 1 : done);
      filesBar.set(done);
    }
    bars.hidden = status.kind !== 'syncing' && status.kind !== 'scanning' && status.kind !== 'paused';
    if (status.kind === 'error') {
      replaceChildren(problem, h('strong', {}, `${status.code}: `), status.message, status.hint ? h('span', { class: 'hint' }, ` How to fix: ${status.hint}`) : null);
    } else if (status.kind === 'confirm-deletes') {
      replaceChildren(problem,
        h('button', { type: 'button', class: 'button danger', 'data-testid': 'folder-delete-accept', onclick: () => hooks.run('Delete remotely', () => hooks.api.confirmDeletes(id, true)) }, 'Delete from bucket'),
        h('button', { type: 'button', class: 'button', 'data-testid': 'folder-delete-keep', onclick: () => hooks.run('Keep remote copies', () => hooks.api.confirmDeletes(id, false)) }, 'Keep them'));
    } else replaceChildren(problem);
    problem.hidden = status.kind !== 'error' && status.kind !== 'confirm-deletes';
  };

  const update = (next: FolderSnapshot): void => {
    folder = next;
    title.textContent = next.localPath;
    target.textContent = `→ ${next.bucket}/${next.prefix} · ${next.deletePolicy === 'mirror' ? 'mirrors deletes' : 'upload only'}`;
    const c = next.counts;
    counts.textContent = `${formatCount(c.synced)} of ${formatCount(c.files)} files stored · ${formatBytes(c.bytes)} · ${formatCount(c.encrypted)} encrypted${c.unencrypted ? ` · ${formatCount(c.unencrypted)} not encrypted` : ''}${c.errors ? ` · ${formatCount(c.errors)} failed` : ''}`;
    retryButton.hidden = c.errors === 0;
    setStatus(next.status);
  };

  update(folder);
  return {
    element,
    update,
    setStatus,
    setSelected(selected) {
      element.classList.toggle('selected', selected);
      showButton.setAttribute('aria-pressed', String(selected));
    },
  };
}
