/** A folder's Restore action: destination (a path field, or the native picker on the desktop), overwrite, progress and summary. */
import type { BucketJob, CosSyncBridge } from '../../core/app/contract.ts';
import { h } from './dom.ts';
import { createJobPanel } from './jobPanel.ts';

/** The restore box of one folder card. */
export interface RestoreBox {
  element: HTMLElement;
  onJob(job: BucketJob): void;
}

/** Builds the box for `folderId`; starting goes through `run` (shared error toast). */
export function createRestoreBox(folderId: string, api: Pick<CosSyncBridge, 'startBucketJob' | 'controlBucketJob' | 'chooseFolder'>, run: (label: string, action: () => Promise<unknown>) => void): RestoreBox {
  const inputId = `restore-path-${folderId}`;
  const destination = h('input', { id: inputId, required: true, placeholder: '/home/you/Restored', autocomplete: 'off', 'data-testid': 'restore-destination' });
  const overwriteId = `restore-overwrite-${folderId}`;
  const overwrite = h('input', { id: overwriteId, type: 'checkbox', 'data-testid': 'restore-overwrite' });
  const choose = api.chooseFolder
    ? h('button', { type: 'button', class: 'button', onclick: () => void api.chooseFolder!().then((picked) => (destination.value = picked ?? destination.value)) }, 'Choose…')
    : null;
  const form = h('form', { class: 'form-grid restore-form', 'data-testid': 'restore-form' },
    h('label', { for: inputId }, 'Restore into'), h('div', { class: 'inline' }, destination, choose),
    h('span'), h('label', { class: 'check' }, overwrite, ' Replace local files that differ (otherwise they are kept and listed)'),
    h('span'), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary', 'data-testid': 'restore-start' }, 'Start restore')));
  const panel = createJobPanel(api, run, 'restore-job');
  panel.render(null);
  const element = h('details', { class: 'restore', 'data-testid': 'restore' },
    h('summary', { 'data-testid': 'folder-restore' }, 'Restore…'),
    h('p', { class: 'muted' }, 'Bring this folder\'s objects back from the bucket into a folder: each file is checked against the server\'s CRC-64 and gets its modification time back.'),
    form, panel.element);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run('Restore', () => api.startBucketJob({ kind: 'restore', folderId, destination: destination.value.trim(), overwrite: overwrite.checked }));
  });
  let latest: BucketJob | null = null;
  return {
    element,
    onJob(job) {
      if (job.kind !== 'restore' || job.folderId !== folderId || (latest && latest.id !== job.id && latest.startedAt > job.startedAt)) return;
      latest = job;
      element.open = true;
      panel.render(job);
    },
  };
}
