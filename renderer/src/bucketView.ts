/** The Bucket view: per account, objects and bytes by encryption (a small chart), the plaintext objects, and "Encrypt N". */
import type { AppSettings, BucketAudit, BucketJob, CosSyncApi, StoredEncryptionKind } from '../../core/app/contract.ts';
import { confirmButton, h, replaceChildren } from './dom.ts';
import { formatBytes, formatCount, plural } from './format.ts';
import { createJobPanel } from './jobPanel.ts';

/** The Bucket view. */
export interface BucketView {
  element: HTMLElement;
  setProfiles(settings: AppSettings): void;
  /** A job changed (from events or a listing). */
  onJob(job: BucketJob): void;
}

const kinds: { kind: StoredEncryptionKind; label: string }[] = [
  { kind: 'SSE-COS', label: 'SSE-COS' },
  { kind: 'SSE-KMS', label: 'SSE-KMS' },
  { kind: 'SSE-C', label: 'SSE-C (customer key)' },
  { kind: 'none', label: 'Not encrypted' },
];

/** One stacked bar: a segment per kind, widths proportional to `value` (set through CSSOM, which the CSP allows). */
function stackedBar(audit: BucketAudit, value: 'objects' | 'bytes', label: string): HTMLElement {
  const total = value === 'objects' ? audit.objects : audit.bytes;
  const segments = kinds.map(({ kind, label: name }) => {
    const amount = audit.byKind[kind][value];
    const segment = h('span', { class: `segment segment-${kind === 'none' ? 'none' : kind.toLowerCase()}`, title: `${name}: ${value === 'objects' ? formatCount(amount) : formatBytes(amount)}` });
    segment.style.width = `${total > 0 ? (amount / total) * 100 : 0}%`;
    return segment;
  });
  return h('div', { class: 'encryption-chart-row' }, h('span', { class: 'encryption-chart-label' }, label), h('div', { class: 'stacked', role: 'img', 'aria-label': `${label} by encryption: ${kinds.map(({ kind, label: name }) => `${name} ${value === 'objects' ? formatCount(audit.byKind[kind].objects) : formatBytes(audit.byKind[kind].bytes)}`).join(', ')}` }, ...segments));
}

/** Builds the view; actions go through `run` (shared error toast). */
export function createBucketView(api: Pick<CosSyncApi, 'startBucketJob' | 'controlBucketJob'>, run: (label: string, action: () => Promise<unknown>) => void): BucketView {
  let settings: AppSettings | null = null;
  const jobs = new Map<string, BucketJob>();
  const profileSelect = h('select', { id: 'bucket-profile', 'data-testid': 'bucket-profile' });
  const prefixInput = h('input', { id: 'bucket-prefix', placeholder: 'all objects', autocomplete: 'off', 'data-testid': 'bucket-prefix' });
  const check = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'bucket-audit' }, 'Check encryption');
  const form = h('form', { class: 'form-grid' },
    h('label', { for: 'bucket-profile' }, 'Account'), profileSelect,
    h('label', { for: 'bucket-prefix' }, 'Prefix'), prefixInput,
    h('span'), h('div', { class: 'actions' }, check));
  const auditPanel = createJobPanel(api, run, 'bucket-audit-job');
  const encryptPanel = createJobPanel(api, run, 'bucket-encrypt-job');
  const result = h('div', { class: 'bucket-result', 'data-testid': 'bucket-result' });
  const element = h('section', { class: 'card bucket', 'aria-labelledby': 'bucket-title', 'data-testid': 'bucket-view' },
    h('div', { class: 'card-head' }, h('h2', { id: 'bucket-title' }, 'Bucket encryption')),
    h('p', { class: 'muted' }, 'COS lists encrypted and plaintext objects alike. Check how every object is stored, and encrypt the plaintext ones in place (metadata and bytes are kept; each copy is verified).'),
    form, auditPanel.element, result, encryptPanel.element);

  const selected = (): string => profileSelect.value;
  const latest = (kind: BucketJob['kind']): BucketJob | null => {
    const profileId = selected();
    return [...jobs.values()].filter((job) => job.kind === kind && job.profileId === profileId).sort((a, b) => b.startedAt - a.startedAt)[0] ?? null;
  };

  const renderResult = (audit: BucketAudit | null, job: BucketJob | null): void => {
    if (!audit || !job) {
      replaceChildren(result);
      return;
    }
    const legend = h('table', { class: 'legend', 'data-testid': 'bucket-legend' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Encryption'), h('th', { scope: 'col', class: 'number' }, 'Objects'), h('th', { scope: 'col', class: 'number' }, 'Bytes'))),
      h('tbody', {}, ...kinds.map(({ kind, label }) => h('tr', { 'data-testid': `bucket-kind-${kind}` },
        h('td', {}, h('span', { class: `swatch segment-${kind === 'none' ? 'none' : kind.toLowerCase()}` }), label,
          kind === 'SSE-KMS' && Object.keys(audit.kmsKeys).length > 0 ? h('span', { class: 'muted' }, ` (${Object.entries(audit.kmsKeys).map(([key, tally]) => `${key}: ${formatCount(tally.objects)}`).join(', ')})`) : null),
        h('td', { class: 'number' }, formatCount(audit.byKind[kind].objects)),
        h('td', { class: 'number' }, formatBytes(audit.byKind[kind].bytes))))));
    const plaintext = audit.plaintextTotal;
    const encryptButton = plaintext > 0 && !(latest('encrypt')?.state === 'running' || latest('encrypt')?.state === 'paused')
      ? confirmButton(`Encrypt ${plural(plaintext, 'plaintext object')}`, `Copy ${plural(plaintext, 'object')} onto ${plaintext === 1 ? 'itself' : 'themselves'} with SSE-COS?`,
        () => run('Encrypt', () => api.startBucketJob({ kind: 'encrypt', profileId: job.profileId, prefix: job.prefix, sse: 'AES256' })), 'bucket-encrypt')
      : null;
    replaceChildren(result,
      h('p', { 'data-testid': 'bucket-headline' }, h('strong', {}, `${formatCount(audit.objects)} objects · ${formatBytes(audit.bytes)}`), ` in ${job.bucket}/${job.prefix}: `,
        plaintext === 0 ? h('span', { class: 'badge badge-ok' }, 'every object is encrypted') : h('span', { class: 'badge badge-warn' }, `${formatCount(plaintext)} not encrypted`)),
      h('div', { class: 'encryption-chart', 'data-testid': 'bucket-chart' }, stackedBar(audit, 'objects', 'Objects'), stackedBar(audit, 'bytes', 'Bytes')),
      legend,
      plaintext > 0 ? h('details', { class: 'plaintext', open: true },
        h('summary', {}, `Plaintext objects (${formatCount(plaintext)}${audit.plaintext.length < plaintext ? `, first ${audit.plaintext.length} shown` : ''})`),
        h('ul', { class: 'plaintext-list', 'data-testid': 'bucket-plaintext' }, ...audit.plaintext.map((object) => h('li', {}, h('code', {}, object.key), h('span', { class: 'muted' }, ` ${formatBytes(object.size)}`))))) : null,
      h('div', { class: 'actions' }, encryptButton));
  };

  // The result (chart, up to 500 keys) is rebuilt only when it changes, not on every progress event.
  let resultKey = '';
  const render = (): void => {
    const audit = latest('audit');
    const encrypt = latest('encrypt');
    auditPanel.render(audit);
    const key = JSON.stringify([audit?.id, audit?.state, audit?.audit?.objects, encrypt?.state]);
    if (key !== resultKey) {
      resultKey = key;
      renderResult(audit?.audit ?? null, audit);
    }
    encryptPanel.render(encrypt);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run('Check encryption', () => api.startBucketJob({ kind: 'audit', profileId: selected(), ...(prefixInput.value.trim() ? { prefix: prefixInput.value.trim() } : {}) }));
  });
  profileSelect.addEventListener('change', render);

  return {
    element,
    setProfiles(next) {
      settings = next;
      const current = profileSelect.value || next.defaultProfileId || '';
      replaceChildren(profileSelect, ...next.profiles.map((profile) => h('option', { value: profile.id, selected: profile.id === current }, `${profile.name} — ${profile.bucket}`)));
      render();
    },
    onJob(job) {
      if (job.kind === 'restore') return;
      const before = jobs.get(job.id);
      jobs.set(job.id, job);
      // A finished encryption changes what an audit would find: check again so the chart shows the result.
      if (job.kind === 'encrypt' && job.state === 'done' && (before?.state === 'running' || before?.state === 'paused') && settings) {
        run('Check encryption', () => api.startBucketJob({ kind: 'audit', profileId: job.profileId, prefix: job.prefix }));
      }
      render();
    },
  };
}
