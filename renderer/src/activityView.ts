/** The activity log: newest first, runs of "Uploaded …" lines folded into one expandable line, errors always on their own with fix hints. */
import type { ActivityEntry, CosSyncApi, FolderSnapshot } from '../../core/app/contract.ts';
import { groupGapMs, groupSummary, uploadLine } from './activityGroups.ts';
import { errorText } from './api.ts';
import { h } from './dom.ts';
import { formatClock, formatCount } from './format.ts';

const maxRows = 500;
/** Lines kept per folded run for expanding; older ones still count in its summary. */
const maxGroupLines = 2000;
/** How many newer rows of other folders' uploads a run may skip over when folders upload side by side. */
const lookAround = 4;

/** The activity panel. */
export interface ActivityView {
  element: HTMLElement;
  /** Loads the newest page. */
  load(): void;
  /** Forgets every line and loads the newest page again (after the event stream was down, entries may be missing). */
  reload(): void;
  /** Prepends live entries (newest first). */
  prepend(entries: ActivityEntry[]): void;
  /** Folders of the latest snapshot, so folded lines can name their bucket and prefix. */
  setFolders(folders: FolderSnapshot[]): void;
}

/** One visible line: a single entry, or a folded run of uploads (`key` set) once it holds two or more. */
interface Row {
  key: string | null;
  folderId: string | null;
  detail: string;
  /** Kept entries, newest first (at most {@link maxGroupLines}). */
  entries: ActivityEntry[];
  count: number;
  bytes: number | null;
  element: HTMLLIElement;
  /** Parts of a folded line, created when the run reaches two entries. */
  group?: { time: HTMLTimeElement; toggle: HTMLButtonElement; text: HTMLElement; sub: HTMLOListElement; more: HTMLElement; filled: boolean };
}

function entryItem(entry: ActivityEntry, testId = 'activity-entry'): HTMLLIElement {
  return h('li', { class: `activity-item level-${entry.level}`, 'data-testid': testId },
    h('time', { datetime: new Date(entry.at).toISOString() }, formatClock(entry.at)),
    h('span', { class: 'activity-text' },
      h('span', {}, entry.message),
      entry.hint ? h('span', { class: 'hint' }, `How to fix: ${entry.hint}`) : null));
}

/** Builds the panel. */
export function createActivityView(api: Pick<CosSyncApi, 'listActivity'>): ActivityView {
  const list = h('ol', { class: 'activity', 'aria-live': 'polite', 'aria-relevant': 'additions', 'data-testid': 'activity' });
  const more = h('button', { type: 'button', class: 'button', hidden: true, 'data-testid': 'activity-more' }, 'Show older');
  const status = h('p', { class: 'muted', hidden: true });
  const ids = new Set<string>();
  const targets = new Map<string, string>();
  let rows: Row[] = [];
  let groupCount = 0;
  let before: string | null = null;
  const element = h('section', { class: 'card', 'aria-labelledby': 'activity-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'activity-title' }, 'Activity')), status, list, more);

  const summarize = (row: Row): void => {
    const parts = row.group;
    if (!parts) return;
    const newest = row.entries[0]!;
    parts.text.textContent = groupSummary(row.count, row.bytes, row.detail, targets.get(row.folderId ?? '') ?? null);
    parts.time.textContent = formatClock(newest.at);
    parts.time.dateTime = new Date(newest.at).toISOString();
    parts.time.title = `${formatClock(row.entries.at(-1)!.at)} – ${formatClock(newest.at)}`;
    const hidden = row.count - row.entries.length;
    parts.more.textContent = hidden > 0 ? `${formatCount(hidden)} earlier ${hidden === 1 ? 'line is' : 'lines are'} not kept here.` : '';
    parts.more.hidden = hidden <= 0;
  };

  // Turns a single upload line into a folded line; its sub-list is filled on first expand.
  const fold = (row: Row): void => {
    groupCount += 1;
    const subId = `activity-group-${groupCount}`;
    const time = h('time', {});
    const text = h('span', { class: 'activity-group-text' });
    const toggle = h('button', { type: 'button', class: 'activity-toggle', 'aria-expanded': 'false', 'aria-controls': subId, 'data-testid': 'activity-group-toggle' },
      h('span', { class: 'activity-chevron', 'aria-hidden': 'true' }, '▸'), text);
    // The expanded lines are not announced as they stream in: the folded line already says what happened.
    const sub = h('ol', { class: 'activity-sub', id: subId, 'aria-live': 'off', hidden: true });
    const moreNote = h('p', { class: 'muted activity-more', hidden: true });
    const item = h('li', { class: 'activity-item activity-group level-info', 'data-testid': 'activity-group' }, time, h('div', { class: 'activity-text' }, toggle, sub, moreNote));
    row.group = { time, toggle, text, sub, more: moreNote, filled: false };
    toggle.addEventListener('click', () => {
      const parts = row.group!;
      const open = parts.toggle.getAttribute('aria-expanded') !== 'true';
      if (open && !parts.filled) {
        parts.sub.append(...row.entries.map((entry) => entryItem(entry, 'activity-group-entry')));
        parts.filled = true;
      }
      parts.toggle.setAttribute('aria-expanded', String(open));
      parts.sub.hidden = !open;
      item.classList.toggle('expanded', open);
    });
    row.element.replaceWith(item);
    row.element = item;
  };

  const add = (row: Row, entry: ActivityEntry, bytes: number | null, newer: boolean): void => {
    row.count += 1;
    if (bytes !== null) row.bytes = (row.bytes ?? 0) + bytes;
    if (newer) row.entries.unshift(entry);
    else row.entries.push(entry);
    if (!row.group) fold(row);
    const parts = row.group!;
    if (parts.filled) {
      if (newer) parts.sub.prepend(entryItem(entry, 'activity-group-entry'));
      else parts.sub.append(entryItem(entry, 'activity-group-entry'));
    }
    while (row.entries.length > maxGroupLines) {
      row.entries.pop();
      if (parts.filled) parts.sub.lastElementChild?.remove();
    }
  };

  // A run continues across a few rows of other folders' uploads, never across errors or other lines.
  const runFor = (key: string, at: number, fromTop: boolean): Row | null => {
    for (let step = 0; step < Math.min(lookAround, rows.length); step += 1) {
      const row = rows[fromTop ? step : rows.length - 1 - step]!;
      if (row.key === null) return null;
      if (row.key !== key) continue;
      const edge = fromTop ? row.entries[0]!.at : row.entries.at(-1)!.at;
      return Math.abs(at - edge) <= groupGapMs ? row : null;
    }
    return null;
  };

  /** Places one entry at the top (`newer`, live) or the bottom (an older page). */
  const place = (entry: ActivityEntry, newer: boolean): void => {
    if (ids.has(entry.id)) return;
    ids.add(entry.id);
    const upload = uploadLine(entry);
    const run = upload ? runFor(upload.key, entry.at, newer) : null;
    if (run && upload) {
      add(run, entry, upload.bytes, newer);
      if (newer && rows[0] !== run) {
        // The run's newest line is now the newest of all: move it to the top to keep the order by time.
        rows = [run, ...rows.filter((row) => row !== run)];
        list.prepend(run.element);
      }
      summarize(run);
      return;
    }
    const row: Row = { key: upload?.key ?? null, folderId: entry.folderId, detail: upload?.detail ?? '', entries: [entry], count: 1, bytes: upload?.bytes ?? null, element: entryItem(entry) };
    if (newer) {
      rows.unshift(row);
      list.prepend(row.element);
    } else {
      rows.push(row);
      list.append(row.element);
    }
  };

  const page = async (cursor: string | null): Promise<void> => {
    try {
      const result = await api.listActivity({ limit: 50, ...(cursor ? { before: cursor } : {}) });
      for (const entry of result.entries) place(entry, false);
      before = result.nextBefore;
      more.hidden = before === null;
      status.textContent = rows.length === 0 ? 'Nothing has happened yet.' : '';
      status.hidden = rows.length > 0;
    } catch (error) {
      status.textContent = `Could not load activity: ${errorText(error).message}`;
      status.hidden = false;
    }
  };
  more.addEventListener('click', () => void page(before));

  return {
    element,
    load: () => void page(null),
    reload() {
      rows = [];
      ids.clear();
      before = null;
      list.replaceChildren();
      void page(null);
    },
    prepend(entries) {
      for (const entry of entries.toReversed()) place(entry, true);
      while (rows.length > maxRows) rows.pop()!.element.remove();
      status.hidden = rows.length > 0;
    },
    setFolders(folders) {
      let changed = false;
      for (const folder of folders) {
        const target = `${folder.bucket}/${folder.prefix}`;
        if (targets.get(folder.id) !== target) {
          targets.set(folder.id, target);
          changed = true;
        }
      }
      if (changed) for (const row of rows) summarize(row);
    },
  };
}
