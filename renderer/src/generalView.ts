/** Sync options form: parallel uploads, bandwidth cap, exclude patterns, the delete-confirmation threshold and how long old versions are kept. */
import type { AppSettings, CosSyncApi } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { h } from './dom.ts';

/** The sync options panel. */
export interface GeneralView {
  element: HTMLElement;
  render(settings: AppSettings): void;
}

/** Builds the panel; `onSaved` receives the settings the service returned. `desktop` shows the start-at-login switch. */
export function createGeneralView(api: Pick<CosSyncApi, 'updateSettings'>, onSaved: (settings: AppSettings) => void, desktop = false): GeneralView {
  const concurrency = h('input', { id: 'general-concurrency', type: 'number', min: 1, max: 32, required: true });
  const bandwidth = h('input', { id: 'general-bandwidth', type: 'number', min: 0, step: 0.1, placeholder: 'unlimited', 'aria-describedby': 'general-bandwidth-help' });
  const excludes = h('textarea', { id: 'general-excludes', rows: 4, spellcheck: 'false', 'aria-describedby': 'general-excludes-help' });
  const threshold = h('input', { id: 'general-threshold', type: 'number', min: 0, required: true });
  const startAtLogin = h('input', { id: 'general-login', type: 'checkbox', 'data-testid': 'general-login' });
  const retention = h('input', { id: 'general-retention', type: 'number', min: 0, max: 3650, placeholder: 'forever', 'aria-describedby': 'general-retention-help', 'data-testid': 'general-retention' });
  const message = h('p', { class: 'form-message', 'aria-live': 'polite', 'data-testid': 'general-message' });
  const form = h('form', { 'data-testid': 'general-form' },
    h('div', { class: 'form-grid' },
      h('label', { for: 'general-concurrency' }, 'Parallel uploads'), concurrency,
      h('label', { for: 'general-bandwidth' }, 'Upload limit (MB/s)'), h('div', { class: 'field' }, bandwidth, h('small', { id: 'general-bandwidth-help', class: 'muted' }, 'Empty or 0 means unlimited.')),
      h('label', { for: 'general-excludes' }, 'Exclude'), h('div', { class: 'field' }, excludes, h('small', { id: 'general-excludes-help', class: 'muted' }, 'One gitignore-style pattern per line.')),
      h('label', { for: 'general-threshold' }, 'Confirm deletes above'), threshold,
      h('label', { for: 'general-retention' }, 'Keep old versions (days)'), h('div', { class: 'field' }, retention, h('small', { id: 'general-retention-help', class: 'muted' },
        'How long the bundled engine keeps a file\'s earlier versions after it is overwritten or deleted, so you can restore them. Empty or 0 keeps them until deleted.')),
      ...(desktop ? [h('label', { for: 'general-login' }, 'Start at login'), h('div', { class: 'field' }, startAtLogin)] : [])),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Save options')),
    message);
  const element = h('section', { class: 'card settings', 'aria-labelledby': 'general-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'general-title' }, 'Sync options')), form);

  const save = async (): Promise<void> => {
    const limit = Number(bandwidth.value);
    message.textContent = 'Saving…';
    try {
      const saved = await api.updateSettings({
      general: {
        concurrency: Number(concurrency.value),
        bandwidthLimit: limit > 0 ? Math.round(limit * 1_000_000) : null,
        excludes: excludes.value.split('\n').map((line) => line.trim()).filter(Boolean),
        deleteConfirmThreshold: Number(threshold.value),
        versionRetentionDays: Number(retention.value) > 0 ? Math.round(Number(retention.value)) : null,
        ...(desktop ? { startAtLogin: startAtLogin.checked } : {}),
      },
      });
      onSaved(saved);
      message.textContent = 'Saved.';
    } catch (error) {
      const { message: text, hint } = errorText(error);
      message.textContent = hint ? `${text} ${hint}` : text;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  return {
    element,
    render(settings) {
      const general = settings.general;
      concurrency.value = String(general.concurrency);
      bandwidth.value = general.bandwidthLimit === null ? '' : String(general.bandwidthLimit / 1_000_000);
      excludes.value = general.excludes.join('\n');
      threshold.value = String(general.deleteConfirmThreshold);
      retention.value = general.versionRetentionDays === null ? '' : String(general.versionRetentionDays);
      startAtLogin.checked = general.startAtLogin;
    },
  };
}
