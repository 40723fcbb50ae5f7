/** The folders panel: one card per synced folder, kept in place across updates, and the "Add folder" form. */
import type { AppSettings, BucketJob, CosSyncBridge, FolderSnapshot, FolderStatus, ProfileView } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import { createFolderCard, type FolderCard } from './folderCard.ts';

/** The folders panel. */
export interface FoldersView {
  element: HTMLElement;
  render(folders: FolderSnapshot[]): void;
  setStatus(folderId: string, status: FolderStatus): void;
  /** Fills the "Add folder" account list and lets cards name their profile and endpoint. */
  setProfiles(settings: AppSettings): void;
  /** Routes a restore job to its folder's card. */
  onJob(job: BucketJob): void;
  /** True when every folder's profile is known from the last {@link FoldersView.setProfiles}. */
  knowsProfiles(folders: FolderSnapshot[]): boolean;
}

/** Builds the panel; `select` is called when the user picks a folder's files. */
export function createFoldersView(api: CosSyncBridge, run: (label: string, action: () => Promise<unknown>) => void, select: (folder: FolderSnapshot) => void): FoldersView {
  const cards = new Map<string, FolderCard>();
  let profiles = new Map<string, ProfileView>();
  const profileOf = (id: string): ProfileView | undefined => profiles.get(id);
  let folders: FolderSnapshot[] = [];
  let selected: string | null = null;
  const list = h('div', { class: 'folder-list', 'data-testid': 'folder-list' });
  const empty = h('p', { class: 'muted empty' }, 'No folders yet. Add one below to start syncing.');

  const pathInput = h('input', { id: 'add-path', name: 'localPath', required: true, placeholder: '/home/you/Pictures', autocomplete: 'off', 'data-testid': 'add-folder-path' });
  const profileSelect = h('select', { id: 'add-profile', name: 'profileId', 'data-testid': 'add-folder-profile' });
  const bucketInput = h('input', { id: 'add-bucket', name: 'bucket', placeholder: 'default of the profile', autocomplete: 'off' });
  const prefixInput = h('input', { id: 'add-prefix', name: 'prefix', placeholder: 'e.g. laptop/', autocomplete: 'off' });
  const policySelect = h('select', { id: 'add-policy', name: 'deletePolicy' }, h('option', { value: 'keep' }, 'Upload only (keep remote copies)'), h('option', { value: 'mirror' }, 'Mirror deletes (asks first)'));
  const message = h('p', { class: 'form-message', 'aria-live': 'polite', 'data-testid': 'add-folder-message' });
  const chooseButton = api.chooseFolder
    ? h('button', { type: 'button', class: 'button', onclick: () => void api.chooseFolder!().then((path) => (pathInput.value = path ?? pathInput.value)) }, 'Choose…')
    : null;
  const form = h('form', { class: 'add-folder form-grid', 'data-testid': 'add-folder-form' },
    h('label', { for: 'add-path' }, 'Local folder'), h('div', { class: 'inline' }, pathInput, chooseButton),
    h('label', { for: 'add-profile' }, 'Account'), profileSelect,
    h('label', { for: 'add-bucket' }, 'Bucket'), bucketInput,
    h('label', { for: 'add-prefix' }, 'Prefix'), prefixInput,
    h('label', { for: 'add-policy' }, 'Deletes'), policySelect,
    h('span'), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary', 'data-testid': 'add-folder-submit' }, 'Add folder')),
    h('span'), message);
  const add = async (): Promise<void> => {
    message.textContent = 'Adding…';
    const request = {
      localPath: pathInput.value.trim(),
      ...(profileSelect.value ? { profileId: profileSelect.value } : {}),
      ...(bucketInput.value.trim() ? { bucket: bucketInput.value.trim() } : {}),
      ...(prefixInput.value.trim() ? { prefix: prefixInput.value.trim() } : {}),
      deletePolicy: policySelect.value as 'keep' | 'mirror',
    };
    try {
      const folder = await api.addFolder(request);
      message.textContent = `Added ${folder.localPath}.`;
      form.reset();
    } catch (error) {
      const { message: text, hint } = errorText(error);
      message.textContent = hint ? `${text} ${hint}` : text;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void add();
  });

  const details = h('details', { class: 'add-folder-box' }, h('summary', { 'data-testid': 'add-folder-toggle' }, 'Add folder'), form);
  const element = h('section', { class: 'card', 'aria-labelledby': 'folders-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'folders-title' }, 'Folders')), list, details);

  const choose = (id: string): void => {
    selected = id;
    for (const [key, card] of cards) card.setSelected(key === id);
    const folder = folders.find((candidate) => candidate.id === id);
    if (folder) select(folder);
  };

  return {
    element,
    render(next) {
      folders = next;
      const seen = new Set<string>();
      for (const folder of next) {
        seen.add(folder.id);
        let card = cards.get(folder.id);
        if (card) card.update(folder);
        else {
          card = createFolderCard(folder, { api, run, select: choose, profile: profileOf });
          cards.set(folder.id, card);
        }
      }
      for (const [id, card] of cards) {
        if (!seen.has(id)) {
          card.dispose();
          card.element.remove();
          cards.delete(id);
        }
      }
      // Re-append in snapshot order; appendChild moves existing nodes without rebuilding them.
      if (next.length === 0) replaceChildren(list, empty);
      else {
        empty.remove();
        for (const folder of next) list.append(cards.get(folder.id)!.element);
      }
      if (selected === null || !cards.has(selected)) {
        if (next[0]) choose(next[0].id);
        else selected = null;
      }
    },
    setStatus(folderId, status) {
      cards.get(folderId)?.setStatus(status);
    },
    onJob(job) {
      if (job.folderId) cards.get(job.folderId)?.onJob(job);
    },
    knowsProfiles(shown) {
      return shown.every((folder) => profiles.has(folder.profileId));
    },
    setProfiles(settings) {
      profiles = new Map(settings.profiles.map((view) => [view.id, view]));
      for (const card of cards.values()) card.refresh();
      replaceChildren(profileSelect, ...settings.profiles.map((profile) => h('option', { value: profile.id, selected: profile.id === settings.defaultProfileId }, `${profile.name} (${profile.kind === 'engine' ? 'bundled engine' : profile.region})`)));
    },
  };
}
