/** Entry of the upload window: choose or drop files, pick destination and encryption, watch per-file progress and results. */
import type { AppSettings, SseMode, UploadFileResult, UploadFileSpec } from '../../core/app/contract.ts';
import { bridge, errorText } from './api.ts';
import { byId, h, progressBar, replaceChildren } from './dom.ts';
import { encryptionBadge, formatBytes, formatCount, plural } from './format.ts';

interface Item {
  file: File;
  name: string;
  row: HTMLElement;
  bar: ReturnType<typeof progressBar>;
  state: HTMLElement;
}

const form = byId<HTMLFormElement>('upload-form');
const profileSelect = byId<HTMLSelectElement>('upload-profile');
const bucketInput = byId<HTMLInputElement>('upload-bucket');
const prefixInput = byId<HTMLInputElement>('upload-prefix');
const sseSelect = byId<HTMLSelectElement>('upload-sse');
const kmsInput = byId<HTMLInputElement>('upload-kms');
const kmsLabel = byId('upload-kms-label');
const fileInput = byId<HTMLInputElement>('file-input');
const dropzone = byId('dropzone');
const list = byId('upload-files');
const status = byId('upload-status');
const startButton = byId<HTMLButtonElement>('upload-start');
const cancelButton = byId<HTMLButtonElement>('upload-cancel');
const clearButton = byId<HTMLButtonElement>('upload-clear');
let settings: AppSettings | null = null;
let items: Item[] = [];
let uploadId: string | null = null;
let requested: SseMode = 'AES256';

function addFiles(files: Iterable<File>): void {
  if (uploadId) return;
  for (const file of files) {
    const bar = progressBar(`Progress of ${file.name}`, 'upload-file-progress');
    const state = h('span', { class: 'upload-state', 'data-testid': 'upload-file-state' }, 'Ready');
    const item: Item = { file, name: file.webkitRelativePath || file.name, row: h('li'), bar, state };
    const remove = h('button', { type: 'button', class: 'button icon', 'aria-label': `Remove ${item.name}` }, '✕');
    remove.addEventListener('click', () => {
      items = items.filter((other) => other !== item);
      item.row.remove();
      describe();
    });
    item.row = h('li', { class: 'upload-file', 'data-testid': 'upload-file' },
      h('span', { class: 'upload-name', title: item.name }, item.name), h('span', { class: 'muted upload-size' }, formatBytes(file.size)), bar.element, state, remove);
    items.push(item);
    list.append(item.row);
  }
  describe();
}

function describe(text?: string): void {
  const bytes = items.reduce((sum, item) => sum + item.file.size, 0);
  status.textContent = text ?? (items.length === 0 ? 'No files chosen.' : `${plural(items.length, 'file')}, ${formatBytes(bytes)} ready to upload.`);
  startButton.disabled = items.length === 0 || uploadId !== null;
}

function showResult(result: UploadFileResult): void {
  const item = items[result.index];
  if (!item) return;
  item.row.querySelector('.icon')?.remove();
  if (result.ok) {
    item.bar.set(1);
    const badge = encryptionBadge(result.encryption);
    const mismatch = requested !== 'none' && (result.encryption.algorithm === 'none' || result.encryption.algorithm === 'unknown');
    replaceChildren(item.state, h('span', { class: `badge badge-${mismatch ? 'warn' : badge.tone}`, title: `${result.key}. ${badge.title}`, 'data-testid': 'upload-result' }, mismatch ? `${badge.text} — encryption was requested!` : badge.text.replace('verified', 'confirmed by server')));
  } else {
    replaceChildren(item.state, h('span', { class: 'badge badge-warn', title: result.hint ?? result.message, 'data-testid': 'upload-result' }, `Failed: ${result.message}`));
  }
}

function finished(): void {
  uploadId = null;
  cancelButton.hidden = true;
  clearButton.disabled = false;
  const failed = items.filter((item) => item.state.querySelector('.badge-warn')).length;
  describe(failed === 0 ? (items.length === 1 ? 'The file was uploaded.' : `All ${plural(items.length, 'file')} uploaded.`) : `${formatCount(failed)} of ${plural(items.length, 'file')} ${failed === 1 ? 'failed or is' : 'failed or are'} not encrypted.`);
  startButton.disabled = true;
}

async function sendBodies(id: string, indexes: number[]): Promise<void> {
  const queue = [...indexes];
  const worker = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const item = items[index]!;
      try {
        showResult(await bridge.uploadBody!(id, index, item.file));
      } catch (error) {
        const { message, hint } = errorText(error);
        showResult({ index, key: item.name, ok: false, code: 'UploadFailed', message, ...(hint ? { hint } : {}) });
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

async function start(): Promise<void> {
  if (items.length === 0 || uploadId) return;
  requested = sseSelect.value as SseMode;
  const files: UploadFileSpec[] = items.map((item) => {
    const path = bridge.pathForFile?.(item.file) ?? null;
    return { name: item.name, size: item.file.size, modifiedAt: item.file.lastModified, ...(path ? { path } : {}) };
  });
  startButton.disabled = true;
  clearButton.disabled = true;
  describe('Starting…');
  try {
    const ticket = await bridge.startUpload({
    files, bucket: bucketInput.value.trim(), prefix: prefixInput.value.trim(), sse: requested,
    ...(profileSelect.value ? { profileId: profileSelect.value } : {}),
    ...(requested === 'kms' && kmsInput.value.trim() ? { kmsKeyId: kmsInput.value.trim() } : {}),
    });
    uploadId = ticket.uploadId;
    cancelButton.hidden = false;
    for (const button of list.querySelectorAll('.icon')) button.remove();
    for (const item of items) item.state.textContent = 'Waiting';
    describe(`Uploading ${plural(items.length, 'file')} to ${bucketInput.value}/${ticket.keys[0]?.slice(0, ticket.keys[0].lastIndexOf('/') + 1) ?? ''}…`);
    if (ticket.awaitingBody.length > 0) {
      if (!bridge.uploadBody) throw new Error('This window cannot send file contents.');
      void sendBodies(ticket.uploadId, ticket.awaitingBody);
    }
  } catch (error) {
    const { message, hint } = errorText(error);
    clearButton.disabled = false;
    describe(hint ? `${message} ${hint}` : message);
    startButton.disabled = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void start();
});

cancelButton.addEventListener('click', () => {
  if (uploadId) void bridge.cancelUpload(uploadId).catch((error: unknown) => describe(errorText(error).message));
});
clearButton.addEventListener('click', () => {
  items = [];
  replaceChildren(list);
  fileInput.value = '';
  describe();
});
byId('choose-files').addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => addFiles(fileInput.files ?? []));
dropzone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropzone.classList.add('dragging');
});
dropzone.addEventListener('dragleave', () => dropzone.classList.remove('dragging'));
dropzone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropzone.classList.remove('dragging');
  addFiles(event.dataTransfer?.files ?? []);
});
sseSelect.addEventListener('change', () => {
  kmsInput.hidden = kmsLabel.hidden = sseSelect.value !== 'kms';
});
profileSelect.addEventListener('change', () => {
  bucketInput.value = settings?.profiles.find((profile) => profile.id === profileSelect.value)?.bucket ?? '';
});

bridge.subscribe((event) => {
  if (event.type === 'upload-progress' && event.uploadId === uploadId) {
    for (const file of event.files) {
      const item = items[file.index];
      if (!item || item.state.querySelector('.badge')) continue;
      item.bar.set(file.bytesTotal ? file.bytesDone / file.bytesTotal : 1);
      item.state.textContent = `Uploading ${Math.round((file.bytesDone / Math.max(1, file.bytesTotal)) * 100)}%`;
    }
    describe(`Uploading… ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}`);
  } else if (event.type === 'upload-finished' && event.uploadId === uploadId) {
    for (const result of event.results) showResult(result);
    if (event.remaining === 0) finished();
  }
});
try {
  const loaded = await bridge.getSettings();
  settings = loaded;
  replaceChildren(profileSelect, ...loaded.profiles.map((profile) => h('option', { value: profile.id }, profile.name)));
  profileSelect.value = loaded.defaultProfileId ?? loaded.profiles[0]?.id ?? '';
  bucketInput.value = loaded.profiles.find((profile) => profile.id === profileSelect.value)?.bucket ?? '';
} catch (error) {
  describe(`Could not load accounts: ${errorText(error).message}`);
}
describe();
