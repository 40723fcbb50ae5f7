/** One synced folder: state line, byte and file progress, and its actions (try now, pause/resume, rescan, retry, remove). */
import type { BucketJob, CosSyncBridge, FolderSnapshot, FolderStatus, ProfileView } from '../../core/app/contract.ts';
import { confirmButton, h, progressBar, replaceChildren } from './dom.ts';
import { formatBytes, formatCount, plural } from './format.ts';
import { describeNextTry, describeStatus, describeUnreachable } from './folderText.ts';
import { createRestoreBox } from './restoreBox.ts';

/** A folder card that can be updated in place (so focus and inline confirmations survive updates). */
export interface FolderCard {
  element: HTMLElement;
  update(folder: FolderSnapshot): void;
  setStatus(status: FolderStatus): void;
  setSelected(selected: boolean): void;
  /** Re-renders with the current data (after profiles changed). */
  refresh(): void;
  /** Shows a restore job of this folder. */
  onJob(job: BucketJob): void;
  /** Stops the card's countdown timer; call when the card is removed. */
  dispose(): void;
}

/** Callbacks a card needs besides the API. */
export interface FolderCardHooks {
  api: Pick<CosSyncBridge, 'pauseFolder' | 'resumeFolder' | 'rescanFolder' | 'removeFolder' | 'retryFailed' | 'confirmDeletes' | 'startBucketJob' | 'controlBucketJob' | 'chooseFolder'>;
  select(folderId: string): void;
  /** The connection profile a folder uses, once settings are loaded (names the unreachable endpoint). */
  profile(profileId: string): ProfileView | undefined;
  /** Runs an action and reports failures (shared error toast). */
  run(label: string, action: () => Promise<unknown>): void;
}

const stateNames: Record<FolderStatus['kind'], string> = {
  idle: 'Up to date', scanning: 'Scanning', syncing: 'Syncing', paused: 'Paused', offline: 'Offline', error: 'Error', 'confirm-deletes': 'Needs confirmation',
};

/** Builds a card for `folder`. */
export function createFolderCard(initial: FolderSnapshot, hooks: FolderCardHooks): FolderCard {
  let folder = initial;
  const id = folder.id;
  const pill = h('span', { class: 'pill', 'data-testid': 'folder-state' });
  // Only the sentence is a live region; the countdown beside it ticks every second and must not be announced.
  const lineText = h('span', { 'aria-live': 'polite' });
  const countdown = h('span', { 'data-testid': 'folder-next-try' });
  const line = h('p', { class: 'folder-line', 'data-testid': 'folder-status-text' }, lineText, countdown);
  const bytesBar = progressBar('Bytes uploaded', 'folder-bytes');
  const filesBar = progressBar('Files uploaded', 'folder-files');
  const bars = h('div', { class: 'folder-bars' },
    h('span', { class: 'bar-label' }, 'Data'), bytesBar.element,
    h('span', { class: 'bar-label' }, 'Files'), filesBar.element);
  const problemText = h('div', { class: 'folder-problem-text', role: 'alert' });
  const tryButton = h('button', { type: 'button', class: 'button primary', 'data-testid': 'folder-try-now' }, 'Try now');
  const problem = h('div', { class: 'folder-problem' }, problemText, tryButton);
  const counts = h('p', { class: 'muted folder-counts' });
  const pauseButton = h('button', { type: 'button', class: 'button', 'data-testid': 'folder-pause' });
  const retryButton = h('button', { type: 'button', class: 'button', 'data-testid': 'folder-retry' }, 'Retry failed');
  const showButton = h('button', { type: 'button', class: 'button', 'aria-pressed': 'false', 'data-testid': 'folder-show-files' }, 'Show files');
  const title = h('h3', { class: 'folder-title' }, folder.localPath);
  const target = h('p', { class: 'muted folder-target' });
  const restore = createRestoreBox(id, hooks.api, hooks.run);
  const element = h('article', { class: 'folder', 'data-testid': `folder-${id}`, 'aria-label': `Folder ${folder.localPath}` },
    h('div', { class: 'folder-head' }, h('div', { class: 'folder-name' }, title, target), pill),
    line, bars, problem, counts,
    h('div', { class: 'actions' }, pauseButton,
      h('button', { type: 'button', class: 'button', 'data-testid': 'folder-rescan', onclick: () => hooks.run('Rescan', () => hooks.api.rescanFolder(id)) }, 'Rescan'),
      retryButton, showButton,
      confirmButton('Remove', 'Stop syncing this folder? Nothing is deleted.', () => hooks.run('Remove folder', () => hooks.api.removeFolder(id)), 'folder-remove')),
    restore.element);

  pauseButton.addEventListener('click', () => {
    const paused = folder.status.kind === 'paused';
    hooks.run(paused ? 'Resume' : 'Pause', () => (paused ? hooks.api.resumeFolder(id) : hooks.api.pauseFolder(id)));
  });
  retryButton.addEventListener('click', () => hooks.run('Retry failed', () => hooks.api.retryFailed(id)));
  showButton.addEventListener('click', () => hooks.select(id));
  // The service retries an offline or failed folder at once when it is resumed.
  let trying = false;
  tryButton.addEventListener('click', () => {
    trying = true;
    tick();
    hooks.run('Try now', () => hooks.api.resumeFolder(id));
  });

  let timer: number | undefined;
  let shownProblem: string | null = null;
  const tick = (): void => {
    const status = folder.status;
    const text = describeStatus(status, Date.now(), folder.counts.errors);
    if (lineText.textContent !== text) lineText.textContent = text;
    countdown.textContent = status.kind === 'offline' ? ` ${trying ? 'now…' : describeNextTry(status)}` : '';
  };
  const startTimer = (on: boolean): void => {
    if (on && timer === undefined) timer = window.setInterval(tick, 1000);
    if (!on && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const setStatus = (status: FolderStatus): void => {
    folder = { ...folder, status };
    trying = false;
    // An idle folder with failed files is not up to date: the pill says how many failed (the file list says why).
    const failed = status.kind === 'idle' ? folder.counts.errors : 0;
    pill.textContent = failed > 0 ? `${formatCount(failed)} failed` : stateNames[status.kind];
    pill.className = failed > 0 ? 'pill pill-failed' : `pill pill-${status.kind}`;
    tick();
    startTimer(status.kind === 'offline');
    pauseButton.textContent = status.kind === 'paused' ? 'Resume' : 'Pause';
    const { counts: c } = folder;
    if (status.kind === 'syncing') {
      bytesBar.set(status.bytesTotal > 0 ? status.bytesDone / status.bytesTotal : 0, `${formatBytes(status.bytesDone)} of ${formatBytes(status.bytesTotal)}`);
      filesBar.set(status.filesTotal > 0 ? status.filesDone / status.filesTotal : 0, `${formatCount(status.filesDone)} of ${plural(status.filesTotal, 'file')}`);
    } else if (status.kind === 'scanning') {
      bytesBar.set(0);
      filesBar.set(status.total ? status.done / status.total : 0);
    } else {
      const done = c.files - c.excluded > 0 ? c.synced / (c.files - c.excluded) : status.kind === 'idle' ? 1 : 0;
      bytesBar.set(status.kind === 'idle' ? 1 : done);
      filesBar.set(done);
    }
    bars.hidden = status.kind !== 'syncing' && status.kind !== 'scanning' && status.kind !== 'paused';
    tryButton.hidden = status.kind !== 'error' && status.kind !== 'offline';
    // Rewrite the alert only when its content changes: snapshots repeat the same status several times a second.
    const problemKey = status.kind === 'error' ? `error ${status.code} ${status.message} ${status.hint ?? ''}`
      : status.kind === 'offline' ? describeUnreachable(folder, hooks.profile(folder.profileId))
        : status.kind === 'confirm-deletes' ? 'confirm-deletes' : '';
    if (problemKey !== shownProblem) {
      shownProblem = problemKey;
      if (status.kind === 'error') {
        replaceChildren(problemText, h('strong', {}, `${status.code}: `), status.message, status.hint ? h('span', { class: 'hint' }, ` How to fix: ${status.hint}`) : null);
      } else if (status.kind === 'confirm-deletes') {
        replaceChildren(problemText,
          h('button', { type: 'button', class: 'button danger', 'data-testid': 'folder-delete-accept', onclick: () => hooks.run('Delete remotely', () => hooks.api.confirmDeletes(id, true)) }, 'Delete from bucket'),
          h('button', { type: 'button', class: 'button', 'data-testid': 'folder-delete-keep', onclick: () => hooks.run('Keep remote copies', () => hooks.api.confirmDeletes(id, false)) }, 'Keep them'));
      } else replaceChildren(problemText, problemKey);
    }
    problem.hidden = status.kind !== 'error' && status.kind !== 'confirm-deletes' && status.kind !== 'offline';
    problem.className = `folder-problem folder-problem-${status.kind}`;
  };

  const update = (next: FolderSnapshot): void => {
    folder = next;
    title.textContent = next.localPath;
    target.textContent = `→ ${next.bucket}/${next.prefix} · ${next.deletePolicy === 'mirror' ? 'mirrors deletes' : 'upload only'}`;
    const c = next.counts;
    counts.textContent = `${formatCount(c.synced)} of ${plural(c.files, 'file')} stored · ${formatBytes(c.bytes)} · ${formatCount(c.encrypted)} encrypted${c.unencrypted ? ` · ${formatCount(c.unencrypted)} not encrypted` : ''}${c.errors ? ` · ${formatCount(c.errors)} failed` : ''}`;
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
    refresh: () => update(folder),
    onJob: (job) => restore.onJob(job),
    dispose: () => startTimer(false),
  };
}
