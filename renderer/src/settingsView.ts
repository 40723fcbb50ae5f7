/** Account & endpoint settings: pick or create a profile (bundled engine or Tencent COS), test it live, save it. */
import type { AppSettings, CosSyncApi, ProfileInput, ProfileView } from '../../core/app/contract.ts';
import { errorText } from './api.ts';
import { h, replaceChildren } from './dom.ts';

/** The settings panel. */
export interface SettingsView {
  element: HTMLElement;
  render(settings: AppSettings): void;
}

const regions = ['ap-guangzhou', 'ap-shanghai', 'ap-beijing', 'ap-chengdu', 'ap-chongqing', 'ap-nanjing', 'ap-hongkong', 'ap-singapore', 'ap-tokyo', 'ap-seoul', 'ap-bangkok', 'ap-jakarta', 'na-siliconvalley', 'na-ashburn', 'eu-frankfurt', 'sa-saopaulo'];

function field(id: string, label: string, control: HTMLElement, help?: string): HTMLElement[] {
  if (help) control.setAttribute('aria-describedby', `${id}-help`);
  return [h('label', { for: id }, label), h('div', { class: 'field' }, control, help ? h('small', { id: `${id}-help`, class: 'muted' }, help) : null)];
}

/** Builds the panel; `onSaved` receives the settings the service returned. */
export function createSettingsView(api: Pick<CosSyncApi, 'updateSettings' | 'testProfile'>, onSaved: (settings: AppSettings) => void): SettingsView {
  let settings: AppSettings | null = null;
  const profileSelect = h('select', { id: 'profile-pick', 'data-testid': 'profile-select' });
  const kindEngine = h('input', { type: 'radio', name: 'kind', id: 'kind-engine', value: 'engine', 'data-testid': 'profile-kind-engine' });
  const kindCos = h('input', { type: 'radio', name: 'kind', id: 'kind-cos', value: 'cos', 'data-testid': 'profile-kind-cos' });
  const name = h('input', { id: 'profile-name', required: true, autocomplete: 'off', 'data-testid': 'profile-name' });
  const secretId = h('input', { id: 'profile-secret-id', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'profile-secret-id' });
  const secretKey = h('input', { id: 'profile-secret-key', type: 'password', autocomplete: 'new-password', 'data-testid': 'profile-secret-key' });
  const region = h('input', { id: 'profile-region', list: 'region-list', autocomplete: 'off', 'data-testid': 'profile-region' });
  const bucket = h('input', { id: 'profile-bucket', required: true, autocomplete: 'off', placeholder: 'name-1250000000', 'data-testid': 'profile-bucket' });
  const endpoint = h('input', { id: 'profile-endpoint', type: 'url', autocomplete: 'off', placeholder: 'default: https://<bucket>.cos.<region>.myqcloud.com' });
  const caFile = h('input', { id: 'profile-ca-file', autocomplete: 'off', spellcheck: 'false', placeholder: 'default: the system certificates', 'data-testid': 'profile-ca-file' });
  const makeDefault = h('input', { id: 'profile-default', type: 'checkbox' });
  const result = h('div', { class: 'test-result', 'aria-live': 'polite', 'data-testid': 'profile-test-result' });
  const cosFields = h('div', { class: 'form-grid' },
    ...field('profile-secret-id', 'SecretId', secretId),
    ...field('profile-secret-key', 'SecretKey', secretKey, 'Write-only: it is never shown again. Where it is kept is named below.'),
    ...field('profile-region', 'Region', region),
    ...field('profile-endpoint', 'Endpoint', endpoint, 'Optional: a custom or accelerated domain.'),
    ...field('profile-ca-file', 'CA certificate', caFile, 'Optional: path of a PEM file trusted for this endpoint instead of the system certificates (e.g. an engine\'s tls/cert.pem).'));
  const engineNote = h('p', { class: 'muted' });
  const secretStorage = h('p', { class: 'secret-storage', 'data-testid': 'secret-storage' });
  const testButton = h('button', { type: 'button', class: 'button', 'data-testid': 'profile-test' }, 'Test connection');
  const form = h('form', { class: 'profile-form', 'data-testid': 'settings-form' },
    h('div', { class: 'form-grid' },
      ...field('profile-pick', 'Profile', profileSelect),
      h('span', { class: 'label' }, 'Endpoint kind'),
      h('div', { class: 'field radios', role: 'radiogroup', 'aria-label': 'Endpoint kind' },
        h('label', { for: 'kind-engine' }, kindEngine, ' Bundled local engine'),
        h('label', { for: 'kind-cos' }, kindCos, ' Tencent Cloud COS')),
      ...field('profile-name', 'Name', name),
      ...field('profile-bucket', 'Bucket', bucket)),
    cosFields, secretStorage, engineNote,
    h('div', { class: 'form-grid' }, h('span'), h('label', { for: 'profile-default', class: 'check' }, makeDefault, ' Use for new folders and uploads')),
    h('div', { class: 'actions' }, testButton, h('button', { type: 'submit', class: 'button primary', 'data-testid': 'profile-save' }, 'Save profile')),
    result);
  const element = h('section', { class: 'card settings', 'aria-labelledby': 'settings-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'settings-title' }, 'Account & endpoint')), form,
    h('datalist', { id: 'region-list' }, ...regions.map((value) => h('option', { value }))));

  const current = (): ProfileView | undefined => settings?.profiles.find((profile) => profile.id === profileSelect.value);
  const showKind = (): void => {
    const cos = kindCos.checked;
    cosFields.hidden = !cos;
    engineNote.hidden = cos;
    const profile = current();
    engineNote.textContent = profile?.kind === 'engine' && profile.endpoint ? `The app runs the engine at ${profile.endpoint} and manages its credentials.` : 'The app runs the engine on 127.0.0.1 and manages its credentials.';
    secretId.required = cos;
    region.required = cos;
  };
  const load = (): void => {
    const profile = current();
    const kind = profile?.kind ?? 'cos';
    kindEngine.checked = kind === 'engine';
    kindCos.checked = kind === 'cos';
    name.value = profile?.name ?? '';
    bucket.value = profile?.bucket ?? '';
    secretId.value = profile?.kind === 'cos' ? profile.secretId : '';
    region.value = profile?.kind === 'cos' ? profile.region : 'ap-guangzhou';
    endpoint.value = profile?.kind === 'cos' ? (profile.endpoint ?? '') : '';
    caFile.value = profile?.kind === 'cos' ? (profile.caFile ?? '') : '';
    secretKey.value = '';
    secretKey.placeholder = profile?.kind === 'cos' && profile.hasSecretKey ? 'Stored — leave empty to keep it' : 'Required';
    makeDefault.checked = profile !== undefined && settings?.defaultProfileId === profile.id;
    replaceChildren(result);
    showKind();
  };
  const input = (): ProfileInput => {
    const id = current()?.id;
    if (kindEngine.checked) return { kind: 'engine', ...(id ? { id } : {}), name: name.value.trim(), bucket: bucket.value.trim() };
    return {
      kind: 'cos', ...(id ? { id } : {}), name: name.value.trim(), secretId: secretId.value.trim(), region: region.value.trim(), bucket: bucket.value.trim(),
      ...(secretKey.value ? { secretKey: secretKey.value } : {}), endpoint: endpoint.value.trim() || null, caFile: caFile.value.trim() || null,
    };
  };
  const say = (tone: 'ok' | 'error' | 'busy', text: string, hint?: string): void => {
    replaceChildren(result, h('p', { class: `result-${tone}` }, text), hint ? h('p', { class: 'hint' }, `How to fix: ${hint}`) : null);
  };

  profileSelect.addEventListener('change', load);
  kindEngine.addEventListener('change', showKind);
  kindCos.addEventListener('change', showKind);
  const test = async (): Promise<void> => {
    say('busy', 'Testing…');
    testButton.disabled = true;
    try {
      const outcome = await api.testProfile(input());
      if (outcome.ok) say('ok', `Connected to ${outcome.endpoint} in ${outcome.latencyMs} ms. Bucket default encryption: ${outcome.bucketEncryption}.`);
      else say('error', `${outcome.message}${outcome.status ? ` (HTTP ${outcome.status})` : ''}`, outcome.hint);
    } catch (error) {
      say('error', errorText(error).message, errorText(error).hint);
    } finally {
      testButton.disabled = false;
    }
  };
  const save = async (): Promise<void> => {
    const profile = input();
    if (profile.kind === 'cos' && !profile.id && !profile.secretKey) return say('error', 'Enter the SecretKey for a new profile.');
    say('busy', 'Saving…');
    try {
      let saved = await api.updateSettings({ upsertProfiles: [profile], ...(makeDefault.checked && profile.id ? { defaultProfileId: profile.id } : {}) });
      // A new profile gets its id from the service; make it the default in a second step if asked.
      const chosen = profile.id ?? saved.profiles.at(-1)?.id;
      if (!profile.id && chosen && makeDefault.checked) saved = await api.updateSettings({ defaultProfileId: chosen });
      onSaved(saved);
      if (chosen) profileSelect.value = chosen;
      load();
      say('ok', profile.kind === 'cos' ? 'Saved. The SecretKey is stored and will not be shown again.' : 'Saved.');
    } catch (error) {
      say('error', errorText(error).message, errorText(error).hint);
    }
  };
  testButton.addEventListener('click', () => void test());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  return {
    element,
    render(next) {
      const keep = profileSelect.value;
      settings = next;
      replaceChildren(profileSelect, ...next.profiles.map((profile) => h('option', { value: profile.id }, profile.name)), h('option', { value: '' }, 'New profile…'));
      profileSelect.value = next.profiles.some((profile) => profile.id === keep) ? keep : (next.defaultProfileId ?? next.profiles[0]?.id ?? '');
      const storage = next.secretStorage;
      secretStorage.hidden = storage === null;
      secretStorage.classList.toggle('secret-storage-warn', storage?.warning !== undefined);
      replaceChildren(secretStorage, ...(storage ? [
        `SecretKeys are kept ${storage.kind === 'keychain' ? 'encrypted by ' : 'in '}`, h('strong', {}, storage.description), '.',
        storage.warning ? h('span', { class: 'hint' }, ` ${storage.warning}`) : null,
      ] : []));
      load();
    },
  };
}
