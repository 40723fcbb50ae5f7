/** The versions of one file as the server keeps them (size, time, encryption), with Restore for older ones. */
import type { CosSyncApi, FileVersion, FileVersions } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { confirmButton, h, replaceChildren } from './dom.ts';
import { encryptionBadge, formatBytes, formatRelative, plural } from './format.ts';

/** The panel. */
export interface VersionsPanel {
  element: HTMLElement;
  /** Shows the versions of `path` in a folder (fetched now). */
  show(folderId: string, path: string): void;
  /** Hides the panel (e.g. when another folder is selected). */
  hide(): void;
}

function retentionText(list: FileVersions): string {
  if (list.versioning === 'off') return `${list.bucket} does not keep old versions, so only the current copy exists.`;
  const kept = list.retentionDays === null ? 'until they are deleted' : `for ${plural(list.retentionDays, 'day')} after they are replaced`;
  const suspended = list.versioning === 'Suspended' ? ' Versioning is suspended: new writes replace the current copy.' : '';
  return `${list.bucket} keeps old versions ${kept}.${suspended} Restore makes a version the current one on the server, as a new version; the file in your folder is not changed.`;
}

function when(at: number): HTMLElement {
  return h('time', { datetime: new Date(at).toISOString(), title: new Date(at).toLocaleString('en-GB') }, `${new Date(at).toLocaleString('en-GB')} (${formatRelative(at)})`);
}

/** Builds the panel; it lists and restores through `api`. */
export function createVersionsPanel(api: Pick<CosSyncApi, 'listFileVersions' | 'restoreFileVersion'>): VersionsPanel {
  const title = h('h2', { id: 'versions-title' }, 'Versions');
  const close = h('button', { type: 'button', class: 'button', 'data-testid': 'versions-close' }, 'Close');
  const note = h('p', { class: 'muted', 'data-testid': 'versions-note' });
  const message = h('p', { class: 'form-message', 'aria-live': 'polite', 'data-testid': 'versions-message' });
  const body = h('tbody');
  const table = h('table', { class: 'versions', 'data-testid': 'versions-table', 'aria-labelledby': 'versions-title' },
    h('thead', {}, h('tr', {}, ...['Written', 'Size', 'Encryption', '', ''].map((name) => h('th', { scope: 'col' }, name)))), body);
  const element = h('section', { class: 'card versions-card', 'aria-labelledby': 'versions-title', 'data-testid': 'versions-panel', hidden: true },
    h('div', { class: 'card-head' }, title, close), note, table, message);
  let shown: { folderId: string; path: string } | null = null;
  let generation = 0;

  const row = (version: FileVersion, target: { folderId: string; path: string }): HTMLElement => {
    const badge = encryptionBadge(version.encryption);
    const state = version.deleteMarker ? 'Deleted here' : version.isLatest ? 'Current' : '';
    const restore = version.isLatest || version.deleteMarker ? '' : confirmButton('Restore', 'Make this the current version?', () => void restoreVersion(target, version), 'version-restore', true);
    return h('tr', { 'data-testid': 'version-row', 'data-version-id': version.versionId },
      h('td', {}, when(version.modifiedAt)),
      h('td', {}, version.deleteMarker ? '—' : formatBytes(version.size)),
      h('td', {}, version.encryption ? h('span', { class: `badge badge-${badge.tone}`, title: badge.title }, badge.text) : '—'),
      h('td', { class: 'version-state' }, state),
      h('td', {}, restore));
  };

  const load = async (target: { folderId: string; path: string }, keepMessage = false): Promise<void> => {
    const asked = ++generation;
    if (!keepMessage) message.textContent = '';
    note.textContent = 'Loading versions…';
    replaceChildren(body);
    try {
      const list = await api.listFileVersions(target.folderId, target.path);
      if (asked !== generation) return;
      note.textContent = `${plural(list.versions.length, 'version')} of ${list.key}. ${retentionText(list)}`;
      replaceChildren(body, ...list.versions.map((version) => row(version, target)));
    } catch (error) {
      if (asked !== generation) return;
      const { message: text, hint } = errorText(error);
      note.textContent = `Could not list the versions: ${text}${hint ? ` ${hint}` : ''}`;
    }
  };

  const restoreVersion = async (target: { folderId: string; path: string }, version: FileVersion): Promise<void> => {
    message.textContent = 'Restoring…';
    try {
      const restored = await api.restoreFileVersion(target.folderId, target.path, version.versionId);
      message.textContent = `Restored: the version written ${new Date(version.modifiedAt).toLocaleString('en-GB')} is the current one again (${formatBytes(restored.size)}).`;
      await load(target, true);
    } catch (error) {
      const { message: text, hint } = errorText(error);
      message.textContent = `Could not restore: ${text}${hint ? ` ${hint}` : ''}`;
    }
  };

  const hide = (): void => {
    shown = null;
    generation += 1;
    element.hidden = true;
  };
  close.addEventListener('click', hide);

  return {
    element,
    show(folderId, path) {
      shown = { folderId, path };
      title.textContent = `Versions of ${path}`;
      element.hidden = false;
      void load(shown);
      element.scrollIntoView({ block: 'nearest' });
    },
    hide,
  };
}
