/** Manual uploads of the fake service: consumes browser bodies, reports progress and the "server-confirmed" encryption. */
import type { ActivityEntry, AppEvent, EncryptionInfo, UploadFileResult, UploadRequest, UploadSummary, UploadTicket } from '../../core/app/contract.ts';
import { CosSyncError } from '../../core/common/errors.ts';

interface Upload {
  summary: UploadSummary;
  request: UploadRequest;
  keys: string[];
  received: number[];
  results: (UploadFileResult | undefined)[];
}

/** Hooks back into the fake service. */
export interface FakeUploadHooks {
  emit(event: AppEvent): void;
  log(level: ActivityEntry['level'], message: string): void;
  snapshotSoon(): void;
  countBytes(bytes: number): void;
}

/** The encryption a real server would echo for the requested SSE mode. */
function encryptionOf(request: UploadRequest): EncryptionInfo {
  const verifiedAt = Date.now();
  if (request.sse === 'AES256') return { algorithm: 'AES256', verifiedAt, checksumVerified: true };
  if (request.sse === 'kms') return { algorithm: 'cos/kms', kmsKeyId: request.kmsKeyId ?? 'kms-default', verifiedAt, checksumVerified: true };
  return { algorithm: 'none', verifiedAt, checksumVerified: true };
}

/** Upload bookkeeping for the fake; `chunkDelayMs` slows bodies down so progress is visible. */
export function createFakeUploads(hooks: FakeUploadHooks, chunkDelayMs = 15) {
  const uploads = new Map<string, Upload>();
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;

  const finish = (upload: Upload, result: UploadFileResult): UploadFileResult => {
    if (upload.results[result.index]) return upload.results[result.index]!;
    upload.results[result.index] = result;
    const remaining = upload.results.filter((entry) => entry === undefined).length;
    upload.summary.filesDone = upload.results.filter(Boolean).length;
    if (remaining === 0 && upload.summary.state === 'running') upload.summary.state = upload.results.every((entry) => entry?.ok) ? 'done' : 'failed';
    hooks.emit({ type: 'upload-finished', uploadId: upload.summary.id, results: [result], remaining });
    if (remaining === 0) hooks.log('info', `Uploaded ${upload.summary.filesDone} ${upload.summary.filesDone === 1 ? 'file' : 'files'} to ${upload.summary.bucket}/${upload.summary.prefix} from the upload window.`);
    hooks.snapshotSoon();
    return result;
  };
  const progress = (upload: Upload, index: number): void => {
    upload.summary.bytesDone = upload.received.reduce((sum, bytes) => sum + bytes, 0);
    hooks.emit({ type: 'upload-progress', uploadId: upload.summary.id, bytesDone: upload.summary.bytesDone, bytesTotal: upload.summary.bytesTotal, rate: 0, files: [{ index, bytesDone: upload.received[index]!, bytesTotal: upload.request.files[index]!.size }] });
  };
  const find = (id: string): Upload => {
    const upload = uploads.get(id);
    if (!upload) throw new CosSyncError('UploadNotFound', `There is no upload '${id}'.`);
    return upload;
  };

  return {
    start(request: UploadRequest): UploadTicket {
      next += 1;
      const id = `u${next}`;
      const prefix = request.prefix === '' || request.prefix.endsWith('/') ? request.prefix.replace(/^\/+/, '') : `${request.prefix.replace(/^\/+/, '')}/`;
      const keys = request.files.map((file) => prefix + file.name);
      const upload: Upload = { request, keys, received: request.files.map(() => 0), results: request.files.map(() => undefined), summary: { id, bucket: request.bucket, prefix, sse: request.sse, filesTotal: request.files.length, filesDone: 0, bytesTotal: request.files.reduce((sum, file) => sum + file.size, 0), bytesDone: 0, state: 'running' } };
      uploads.set(id, upload);
      // Files given by path are "read" by the service itself: simulate them finishing shortly.
      request.files.forEach((file, index) => {
        if (file.path === undefined) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          upload.received[index] = file.size;
          progress(upload, index);
          finish(upload, { index, key: keys[index]!, ok: true, encryption: encryptionOf(request) });
        }, 300);
        timers.add(timer);
      });
      hooks.snapshotSoon();
      return { uploadId: id, keys, awaitingBody: request.files.flatMap((file, index) => (file.path === undefined ? [index] : [])) };
    },
    cancel(id: string): void {
      const upload = find(id);
      upload.summary.state = 'cancelled';
      upload.results.forEach((result, index) => {
        if (!result) finish(upload, { index, key: upload.keys[index]!, ok: false, code: 'Cancelled', message: 'Cancelled by you.' });
      });
    },
    async receive(id: string, index: number, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<UploadFileResult> {
      const upload = find(id);
      const spec = upload.request.files[index];
      if (!spec || spec.path !== undefined) throw new CosSyncError('BadUploadIndex', `Upload ${id} expects no body for file ${index}.`);
      let lastEmit = 0;
      for await (const chunk of body) {
        if (signal.aborted || upload.results[index]) break;
        upload.received[index]! += chunk.length;
        hooks.countBytes(chunk.length);
        if (Date.now() - lastEmit > 50) {
          lastEmit = Date.now();
          progress(upload, index);
        }
        if (chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
      }
      if (upload.results[index]) return upload.results[index]!;
      progress(upload, index);
      if (signal.aborted) return finish(upload, { index, key: upload.keys[index]!, ok: false, code: 'Cancelled', message: 'The browser stopped sending the file.' });
      if (upload.received[index] !== spec.size) return finish(upload, { index, key: upload.keys[index]!, ok: false, code: 'SizeMismatch', message: `Received ${upload.received[index]} bytes, expected ${spec.size}.`, hint: 'Try the upload again.' });
      return finish(upload, { index, key: upload.keys[index]!, ok: true, encryption: encryptionOf(upload.request) });
    },
    summaries(): UploadSummary[] {
      return [...uploads.values()].map((upload) => ({ ...upload.summary }));
    },
    close(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
