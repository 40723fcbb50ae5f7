/** The activity log: newest first, live entries prepended, older pages on demand, errors with their fix hints. */
import type { ActivityEntry, CosSyncApi } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { h } from './dom.ts';
import { formatClock } from './format.ts';

const maxShown = 500;

/** The activity panel. */
export interface ActivityView {
  element: HTMLElement;
  /** Loads the newest page. */
  load(): void;
  /** Prepends live entries (newest first). */
  prepend(entries: ActivityEntry[]): void;
}

function entryItem(entry: ActivityEntry): HTMLElement {
  return h('li', { class: `activity-item level-${entry.level}`, 'data-testid': 'activity-entry' },
    h('time', { datetime: new Date(entry.at).toISOString() }, formatClock(entry.at)),
    h('span', { class: 'activity-text' },
      h('span', {}, entry.message),
      entry.hint ? h('span', { class: 'hint' }, `How to fix: ${entry.hint}`) : null));
}

/** Builds the panel. */
export function createActivityView(api: Pick<CosSyncApi, 'listActivity'>): ActivityView {
  const list = h('ol', { class: 'activity', 'aria-live': 'polite', 'aria-relevant': 'additions', 'data-testid': 'activity' });
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show older');
  const status = h('p', { class: 'muted', hidden: true });
  const ids = new Set<string>();
  let before: string | null = null;
  const element = h('section', { class: 'card', 'aria-labelledby': 'activity-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'activity-title' }, 'Activity')), status, list, more);

  const page = async (cursor: string | null): Promise<void> => {
    try {
      const result = await api.listActivity({ limit: 50, ...(cursor ? { before: cursor } : {}) });
      for (const entry of result.entries) {
        if (ids.has(entry.id)) continue;
        ids.add(entry.id);
        list.append(entryItem(entry));
      }
      before = result.nextBefore;
      more.hidden = before === null;
      status.textContent = ids.size === 0 ? 'Nothing has happened yet.' : '';
      status.hidden = ids.size > 0;
    } catch (error) {
      status.textContent = `Could not load activity: ${errorText(error).message}`;
      status.hidden = false;
    }
  };
  more.addEventListener('click', () => void page(before));

  return {
    element,
    load: () => void page(null),
    prepend(entries) {
      for (const entry of entries.toReversed()) {
        if (ids.has(entry.id)) continue;
        ids.add(entry.id);
        list.prepend(entryItem(entry));
      }
      while (list.children.length > maxShown) list.lastElementChild?.remove();
      status.hidden = true;
    },
  };
}
