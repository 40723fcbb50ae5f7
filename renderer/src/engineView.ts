/** The bundled engine's key status: active master-key version, objects sealed per version, and a Rotate button. */
import type { CosSyncApi, EngineStatus } from '../../core/app/contract.ts';
import { confirmButton, h, progressBar, replaceChildren } from './dom.ts';
import { formatBytes, formatCount, plural } from './format.ts';

/** The engine panel. */
export interface EngineView {
  element: HTMLElement;
  render(engine: EngineStatus): void;
}

/** Builds the panel; rotation goes through `run` so failures are reported like every other action. */
export function createEngineView(api: Pick<CosSyncApi, 'rotateEngineKey'>, run: (label: string, action: () => Promise<unknown>) => void, onRotated: (engine: EngineStatus) => void): EngineView {
  const state = h('span', { class: 'pill', 'data-testid': 'engine-state' });
  const summary = h('p', { class: 'muted' });
  const body = h('tbody');
  const table = h('table', { class: 'keys', 'data-testid': 'engine-keys' },
    h('caption', { class: 'visually-hidden' }, 'Master key versions'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col', class: 'number' }, 'Objects sealed'))),
    body);
  const rotation = progressBar('Re-sealing data keys', 'engine-rotation');
  const rotationText = h('p', { class: 'muted', 'aria-live': 'polite' });
  const rotationBox = h('div', { class: 'rotation' }, rotationText, rotation.element);
  const rotate = confirmButton('Rotate key', 'Make a new master key active and re-seal all data keys?', () => run('Rotate key', async () => onRotated(await api.rotateEngineKey())), 'engine-rotate');
  const element = h('section', { class: 'card', 'aria-labelledby': 'engine-title', 'data-testid': 'engine' },
    h('div', { class: 'card-head' }, h('h2', { id: 'engine-title' }, 'Bundled engine'), state),
    summary, table, rotationBox, h('div', { class: 'actions' }, rotate));

  return {
    element,
    render(engine) {
      state.textContent = engine.state === 'running' ? 'Running' : engine.state[0]!.toUpperCase() + engine.state.slice(1);
      state.className = `pill pill-engine-${engine.state}`;
      summary.textContent = engine.state === 'disabled'
        ? 'The bundled engine is not used by any profile.'
        : `${engine.endpoint ?? 'No endpoint'} · ${plural(engine.objects, 'object')} · ${formatBytes(engine.bytes)} · ${plural(engine.noncurrentVersions, 'old version')} kept`
          + ` (${formatBytes(engine.noncurrentBytes)}) · encrypted at rest with AES-256-GCM${engine.error ? ` · ${engine.error.message}` : ''}`;
      replaceChildren(body, ...engine.keys.toReversed().map((key) => h('tr', { class: key.active ? 'active-key' : undefined },
        h('td', {}, `v${key.version}`, key.active ? h('span', { class: 'badge badge-ok' }, 'active') : null),
        h('td', {}, new Date(key.createdAt).toLocaleDateString('en-GB')),
        h('td', { class: 'number' }, formatCount(key.objects)))));
      rotationBox.hidden = engine.rotation === null;
      if (engine.rotation) {
        rotation.set(engine.rotation.total ? engine.rotation.resealed / engine.rotation.total : 1);
        rotationText.textContent = `Re-sealing data keys: ${formatCount(engine.rotation.resealed)} of ${formatCount(engine.rotation.total)}`;
      }
      table.hidden = engine.keys.length === 0;
    },
  };
}
