/** Virtualised file list: fixed-height rows, only visible rows in the DOM, pages fetched through listFiles while scrolling. */
import type { CosSyncApi, FileRow, FileStateName } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import { encryptionBadge, formatBytes, formatRelative, plural } from './format.ts';

/** Row height in pixels; must match `.file-row` in styles.css. */
export const rowHeight = 34;
const pageSize = 200;
const maxPages = 24;
const overscan = 6;

const stateLabels: Record<FileStateName, string> = {
  queued: 'Queued', uploading: 'Uploading', synced: 'Synced', identical: 'Already there', excluded: 'Excluded', error: 'Error', 'deleted-locally': 'Deleted locally',
};

/** The file list component. */
export interface FileList {
  element: HTMLElement;
  /** Shows the files of a folder (null = none). */
  setFolder(folderId: string | null, title: string): void;
  /** Applies rows from a `file-changed` event to cached pages. */
  patch(folderId: string, rows: FileRow[]): void;
  /** Re-fetches visible pages soon (throttled); call when counts changed. */
  refreshSoon(): void;
}

function statusText(row: FileRow): string {
  const status = row.status;
  switch (status.state) {
    case 'uploading':
      return `Uploading ${Math.round(status.percent)}%`;
    case 'excluded':
      return `Excluded: ${status.reason}`;
    case 'error':
      return `${status.message}${status.nextRetryAt ? ` Retrying ${formatRelative(status.nextRetryAt)}.` : ''}`;
    default:
      return stateLabels[status.state];
  }
}

/** Writes one row's cells (or a loading placeholder); an error's state is a button that shows the whole error with its fix. */
function fill(cells: HTMLElement[], row: FileRow | undefined, showError: (row: FileRow) => void): void {
  const [path, state, size, enc, history] = cells as [HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement];
  const versions = history.firstElementChild as HTMLButtonElement;
  versions.hidden = !row || row.encryption === null;
  versions.dataset.path = row?.path ?? '';
  if (row) versions.setAttribute('aria-label', `Versions of ${row.path}`);
  if (!row) {
    path.textContent = 'Loading…';
    path.className = 'cell-path muted';
    state.textContent = size.textContent = '';
    replaceChildren(enc);
    return;
  }
  path.textContent = row.path;
  path.title = row.path;
  path.className = 'cell-path';
  const text = statusText(row);
  if (row.status.state === 'error') {
    const button = h('button', { type: 'button', class: 'cell-button', 'data-testid': 'file-error-button', title: row.status.hint ? `${text} How to fix: ${row.status.hint}` : text }, text);
    button.addEventListener('click', () => showError(row));
    replaceChildren(state, button);
    state.removeAttribute('title');
  } else {
    state.textContent = text;
    state.title = text;
  }
  state.className = `cell-state state-${row.status.state}`;
  size.textContent = formatBytes(row.size);
  const badge = encryptionBadge(row.encryption);
  replaceChildren(enc, h('span', { class: `badge badge-${badge.tone}`, title: badge.title, 'data-testid': 'encryption-badge' }, badge.text));
}

/** Builds the list; it fetches through `api` and renders only what is visible. A row's Versions button calls `onVersions`. */
export function createFileList(api: Pick<CosSyncApi, 'listFiles'>, onVersions: (folderId: string, path: string) => void = () => {}): FileList {
  let folderId: string | null = null;
  let total = 0;
  let generation = 0;
  let pages = new Map<number, FileRow[]>();
  const pending = new Set<number>();
  let refreshTimer: number | undefined;
  let frame = 0;

  const title = h('h2', { id: 'files-title' }, 'Files');
  const stateFilter = h('select', { id: 'file-state', 'data-testid': 'file-state-filter' }, h('option', { value: '' }, 'All states'));
  for (const [value, label] of Object.entries(stateLabels)) stateFilter.append(h('option', { value }, label));
  const search = h('input', { id: 'file-search', type: 'search', placeholder: 'Search paths', autocomplete: 'off', 'data-testid': 'file-search' });
  const summary = h('p', { class: 'muted file-summary', 'aria-live': 'polite', 'data-testid': 'file-summary' });
  const spacer = h('div', { class: 'file-spacer' });
  const viewport = h('div', { class: 'file-viewport', tabindex: 0, role: 'table', 'aria-labelledby': 'files-title', 'aria-rowcount': 0, 'data-testid': 'file-list' }, spacer);
  const header = h('div', { class: 'file-row file-head', role: 'row' }, ...['Path', 'State', 'Size', 'Encryption', 'History'].map((name) => h('span', { role: 'columnheader' }, name)));
  const element = h('section', { class: 'card files', 'aria-labelledby': 'files-title' },
    h('div', { class: 'card-head' }, title,
      h('div', { class: 'file-tools' },
        h('label', { class: 'visually-hidden', for: 'file-state' }, 'Filter by state'), stateFilter,
        h('label', { class: 'visually-hidden', for: 'file-search' }, 'Search files'), search)),
    summary, header, viewport);
  const pool: { row: HTMLElement; cells: HTMLElement[]; index: number }[] = [];
  // The whole error of the file last clicked, with its fix: the State column is too narrow for either.
  const errorDetail = h('div', { class: 'file-error-detail', role: 'status', 'aria-live': 'polite', 'data-testid': 'file-error-detail', hidden: true });
  element.append(errorDetail);
  const showError = (row: FileRow): void => {
    if (row.status.state !== 'error') return;
    replaceChildren(errorDetail,
      h('p', {}, h('strong', {}, `${row.path}: `), `${row.status.code} — ${row.status.message}`),
      row.status.hint ? h('p', { class: 'hint', 'data-testid': 'file-error-hint' }, `How to fix: ${row.status.hint}`) : null);
    errorDetail.hidden = false;
  };

  const describe = (): void => {
    if (folderId === null) summary.textContent = 'Select a folder to see its files.';
    else summary.textContent = `${plural(total, 'file')}${stateFilter.value || search.value ? (total === 1 ? ' matches' : ' match') : ''}`;
  };

  const fetchPage = async (page: number): Promise<void> => {
    if (folderId === null || pending.has(page)) return;
    pending.add(page);
    const asked = generation;
    const query = { folderId, offset: page * pageSize, limit: pageSize, ...(stateFilter.value ? { state: stateFilter.value as FileStateName } : {}), ...(search.value ? { search: search.value } : {}) };
    try {
      const result = await api.listFiles(query);
      if (asked !== generation) return;
      pending.delete(page);
      pages.set(page, result.rows);
      if (result.total !== total) {
        total = result.total;
        spacer.style.height = `${total * rowHeight}px`;
        viewport.setAttribute('aria-rowcount', String(total));
        describe();
      }
      evict(page);
      schedule();
    } catch (error) {
      pending.delete(page);
      if (asked === generation) summary.textContent = `Could not load files: ${errorText(error).message}`;
    }
  };

  const evict = (near: number): void => {
    if (pages.size <= maxPages) return;
    const far = [...pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const page of far.slice(0, pages.size - maxPages)) pages.delete(page);
  };

  const render = (): void => {
    frame = 0;
    const first = Math.max(0, Math.floor(viewport.scrollTop / rowHeight) - overscan);
    const count = Math.ceil(viewport.clientHeight / rowHeight) + overscan * 2;
    while (pool.length < count) {
      const versions = h('button', { type: 'button', class: 'button', 'data-testid': 'file-versions' }, 'Versions');
      const cells = [h('span', { class: 'cell-path' }), h('span', { class: 'cell-state' }), h('span', { class: 'cell-size' }), h('span', { class: 'cell-enc' }), h('span', { class: 'cell-history' }, versions)];
      const row = h('div', { class: 'file-row', role: 'row', 'data-testid': 'file-row' }, ...cells);
      for (const cell of cells) cell.setAttribute('role', 'cell');
      viewport.append(row);
      pool.push({ row, cells, index: -1 });
    }
    for (let slot = 0; slot < pool.length; slot += 1) {
      const item = pool[slot]!;
      const index = first + slot;
      if (slot >= count || index >= total || folderId === null) {
        item.row.hidden = true;
        item.index = -1;
        continue;
      }
      const page = Math.floor(index / pageSize);
      const data = pages.get(page)?.[index % pageSize];
      if (!pages.has(page)) void fetchPage(page);
      item.row.hidden = false;
      item.index = index;
      item.row.style.transform = `translateY(${index * rowHeight}px)`;
      item.row.setAttribute('aria-rowindex', String(index + 1));
      fill(item.cells, data, showError);
    }
  };

  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(render);
  };

  const reset = (): void => {
    generation += 1;
    pages = new Map();
    pending.clear();
    total = 0;
    spacer.style.height = '0px';
    viewport.scrollTop = 0;
    describe();
    errorDetail.hidden = true;
    if (folderId !== null) void fetchPage(0);
    schedule();
  };

  let searchTimer: number | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(reset, 200);
  });
  stateFilter.addEventListener('change', reset);
  viewport.addEventListener('scroll', schedule, { passive: true });
  viewport.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-testid="file-versions"]');
    if (button?.dataset.path && folderId !== null) onVersions(folderId, button.dataset.path);
  });
  new ResizeObserver(schedule).observe(viewport);

  return {
    element,
    setFolder(id, name) {
      if (id === folderId) return;
      folderId = id;
      title.textContent = id === null ? 'Files' : `Files in ${name}`;
      reset();
    },
    patch(id, rows) {
      if (id !== folderId || stateFilter.value || search.value) return;
      const byPath = new Map(rows.map((row) => [row.path, row]));
      let changed = false;
      for (const cached of pages.values()) {
        for (let index = 0; index < cached.length; index += 1) {
          const update = byPath.get(cached[index]!.path);
          if (update) {
            cached[index] = update;
            changed = true;
          }
        }
      }
      if (changed) schedule();
    },
    refreshSoon() {
      if (refreshTimer !== undefined || folderId === null) return;
      refreshTimer = window.setTimeout(() => {
        refreshTimer = undefined;
        // Re-fetch the visible pages in place (no reset: scroll position and rows stay while loading).
        const visible = new Set(pool.filter((item) => item.index >= 0).map((item) => Math.floor(item.index / pageSize)));
        if (visible.size === 0) visible.add(0);
        for (const page of pages.keys()) if (!visible.has(page)) pages.delete(page);
        for (const page of visible) void fetchPage(page);
      }, 1000);
    },
  };
}
