/** Manual uploads (the upload window): per-file progress, cancel, and the encryption the server confirmed. */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { CosSyncError, describeError } from '../common/errors.ts';
import { mtimeMetadata } from '../common/mtimeMetadata.ts';
import type { CosClient } from '../cos/cosClient.ts';
import type { SseRequest } from '../protocol/serverSideEncryption.ts';
import type { AppEvent, SseMode, UploadFileResult, UploadRequest, UploadSummary, UploadTicket } from './contract.ts';
import { encryptionView } from './statusViews.ts';

/** What the manager needs from the service. */
export interface ManualUploadsOptions {
  /** The client and region of a profile (default profile when undefined). */
  clientFor(profileId: string | undefined): CosClient;
  /** Where browser-sent bodies are staged before upload. */
  stagingDir: string;
  emit(event: AppEvent): void;
  /** Records an activity line (path, bytes, failed). */
  record(entry: { key: string; bytes?: number; error?: string; hint?: string }): void;
  clock?: () => number;
}

interface FileJob {
  key: string;
  size: number;
  path: string | undefined;
  /** Modification time to store (ms); from the caller, else read from the caller's own `path` when the upload starts. */
  modifiedAt: number | undefined;
  /** True when `path` is the user's file (desktop), false when it is a staging copy of a streamed body. */
  userPath: boolean;
  bytesDone: number;
  result: UploadFileResult | undefined;
  controller: AbortController;
  /** True while a body for this file is being received. */
  receiving: boolean;
}

interface Upload {
  summary: UploadSummary;
  client: CosClient;
  sse: SseRequest;
  files: FileJob[];
  startedAt: number;
  lastEmit: number;
  dirty: Set<number>;
}

const sseFor = (mode: SseMode, kmsKeyId: string | undefined): SseRequest =>
  mode === 'AES256' ? { mode: 'AES256' } : mode === 'kms' ? { mode: 'kms', ...(kmsKeyId ? { keyId: kmsKeyId } : {}) } : { mode: 'none' };

/** Object key for an upload file: normalised prefix + name; refuses empty names and `.`/`..` segments. */
export function uploadKey(prefix: string, name: string): string {
  const cleanPrefix = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  const cleanName = name.replace(/\\/g, '/').replace(/^\/+/, '');
  if (cleanName === '' || cleanName.split('/').some((segment) => segment === '.' || segment === '..' || segment === '')) {
    throw new CosSyncError('InvalidArgument', `'${name}' is not a valid file name for an object key.`);
  }
  return cleanPrefix === '' ? cleanName : `${cleanPrefix}/${cleanName}`;
}

/** Runs manual uploads with bounded parallelism and reports them as contract events. */
export class ManualUploads {
  readonly #options: ManualUploadsOptions;
  readonly #uploads = new Map<string, Upload>();
  readonly #now: () => number;

  constructor(options: ManualUploadsOptions) {
    this.#options = options;
    this.#now = options.clock ?? Date.now;
  }

  /** Summaries for the snapshot (newest first, last 20). */
  summaries(): UploadSummary[] {
    return [...this.#uploads.values()].map((upload) => ({ ...upload.summary })).toReversed().slice(0, 20);
  }

  /** Current bytes/s over running uploads. */
  rate(): number {
    let rate = 0;
    for (const upload of this.#uploads.values()) if (upload.summary.state === 'running') rate += this.#rateOf(upload);
    return rate;
  }

  /** Starts an upload: files with a path start at once; the others wait for {@link receiveBody}. */
  start(request: UploadRequest): UploadTicket {
    const keys = request.files.map((file) => uploadKey(request.prefix, file.name));
    const id = randomUUID();
    const upload: Upload = {
      summary: {
        id,
        bucket: request.bucket,
        prefix: request.prefix,
        sse: request.sse,
        filesTotal: request.files.length,
        filesDone: 0,
        bytesTotal: request.files.reduce((sum, file) => sum + file.size, 0),
        bytesDone: 0,
        state: 'running',
      },
      client: this.#options.clientFor(request.profileId),
      sse: sseFor(request.sse, request.kmsKeyId),
      files: request.files.map((file, index) => ({ key: keys[index]!, size: file.size, path: file.path, modifiedAt: file.modifiedAt, userPath: file.path !== undefined, bytesDone: 0, result: undefined, controller: new AbortController(), receiving: false })),
      startedAt: this.#now(),
      lastEmit: 0,
      dirty: new Set(),
    };
    this.#uploads.set(id, upload);
    const withPaths = upload.files.map((file, index) => ({ file, index })).filter(({ file }) => file.path !== undefined);
    void this.#runAll(upload, withPaths);
    return { uploadId: id, keys, awaitingBody: upload.files.flatMap((file, index) => (file.path === undefined ? [index] : [])) };
  }

  /**
   * Stages the bytes of file `index` (exactly its declared size) and uploads them. A second body for a file whose
   * body is already arriving is refused (`UploadBodyInProgress`) before it touches the staging file.
   */
  async receiveBody(uploadId: string, index: number, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<UploadFileResult> {
    const upload = this.#uploads.get(uploadId);
    const file = upload?.files[index];
    if (!upload || !file) throw new CosSyncError('NoSuchUpload', `There is no upload ${uploadId} with a file number ${index}.`);
    if (file.receiving) throw new CosSyncError('UploadBodyInProgress', `The body of file ${index} of upload ${uploadId} is already arriving.`, { hint: 'Send each file once.' });
    if (file.path !== undefined || file.result) throw new CosSyncError('InvalidArgument', `File ${index} of upload ${uploadId} does not take a body.`);
    // Claimed before the first await: two bodies at once must never share (and truncate) one staging file.
    file.receiving = true;
    const staged = path.join(this.#options.stagingDir, `${uploadId}-${index}`);
    signal.addEventListener('abort', () => file.controller.abort(), { once: true });
    try {
      await mkdir(this.#options.stagingDir, { recursive: true, mode: 0o700 });
      let received = 0;
      // A browser file travels twice (browser → service, service → storage): each leg is half of its progress bar.
      const progress = (bytes: number): void => this.#progress(upload, index, Math.floor(bytes / 2));
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          progress(received);
          if (received > file.size) callback(new CosSyncError('InvalidArgument', `More bytes arrived than the declared ${file.size}.`));
          else callback(null, chunk);
        },
      });
      await pipeline(Readable.from(body), counter, createWriteStream(staged, { mode: 0o600, flags: 'wx' }), { signal: file.controller.signal });
      if (received !== file.size) throw new CosSyncError('InvalidArgument', `The body had ${received} bytes; ${file.size} were declared.`);
      file.path = staged;
      return await this.#runOne(upload, file, index, Math.floor(file.size / 2));
    } catch (error) {
      if (!file.result) this.#finish(upload, index, this.#failure(file, index, error));
      return file.result!;
    } finally {
      await rm(staged, { force: true });
      file.receiving = false;
    }
  }

  /** Cancels every file not finished yet. */
  cancel(uploadId: string): void {
    const upload = this.#uploads.get(uploadId);
    if (!upload) throw new CosSyncError('NoSuchUpload', `There is no upload ${uploadId}.`);
    for (const file of upload.files) if (!file.result) file.controller.abort(new CosSyncError('Cancelled', 'The upload was cancelled.', { retry: 'cancelled' }));
    upload.summary.state = 'cancelled';
  }

  /** Cancels everything (service shutdown). */
  close(): void {
    for (const id of this.#uploads.keys()) if (this.#uploads.get(id)!.summary.state === 'running') this.cancel(id);
  }

  async #runAll(upload: Upload, jobs: { file: FileJob; index: number }[]): Promise<void> {
    const queue = [...jobs];
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job; job = queue.shift()) await this.#runOne(upload, job.file, job.index);
    };
    await Promise.all([worker(), worker()]);
  }

  async #runOne(upload: Upload, file: FileJob, index: number, alreadyCounted = 0): Promise<UploadFileResult> {
    if (file.controller.signal.aborted) {
      this.#finish(upload, index, this.#failure(file, index, file.controller.signal.reason));
      return file.result!;
    }
    try {
      const modifiedAt = file.modifiedAt ?? (file.userPath ? (await stat(file.path!)).mtimeMs : undefined);
      const result = await upload.client.uploadFile(upload.summary.bucket, file.key, file.path!, {
        sse: upload.sse,
        ...(modifiedAt === undefined ? {} : { metadata: mtimeMetadata(modifiedAt) }),
        signal: file.controller.signal,
        onProgress: (sent) => this.#progress(upload, index, alreadyCounted + Math.floor((sent * (file.size - alreadyCounted)) / Math.max(1, file.size))),
      });
      this.#progress(upload, index, file.size, true);
      this.#finish(upload, index, { index, key: file.key, ok: true, encryption: encryptionView(result.encryption, this.#now(), true, result.crc64Verified)! });
      this.#options.record({ key: file.key, bytes: file.size });
    } catch (error) {
      this.#finish(upload, index, this.#failure(file, index, error));
    }
    return file.result!;
  }

  #failure(file: FileJob, index: number, error: unknown): UploadFileResult {
    const source = error as { code?: string; hint?: string };
    const result: UploadFileResult = { index, key: file.key, ok: false, code: source?.code ?? 'UploadFailed', message: describeError(error) };
    if (source?.hint) result.hint = source.hint;
    this.#options.record({ key: file.key, error: error instanceof CosSyncError ? error.message : result.message, ...(result.hint ? { hint: result.hint } : {}) });
    return result;
  }

  #rateOf(upload: Upload): number {
    const seconds = Math.max(0.001, (this.#now() - upload.startedAt) / 1000);
    return Math.round(upload.summary.bytesDone / seconds);
  }

  #progress(upload: Upload, index: number, sent: number, force = false): void {
    const file = upload.files[index]!;
    const delta = Math.max(0, sent - file.bytesDone);
    file.bytesDone += delta;
    upload.summary.bytesDone += delta;
    upload.dirty.add(index);
    const now = this.#now();
    if (!force && now - upload.lastEmit < 250) return;
    upload.lastEmit = now;
    const files = [...upload.dirty].map((dirty) => ({ index: dirty, bytesDone: upload.files[dirty]!.bytesDone, bytesTotal: upload.files[dirty]!.size }));
    upload.dirty.clear();
    this.#options.emit({ type: 'upload-progress', uploadId: upload.summary.id, bytesDone: upload.summary.bytesDone, bytesTotal: upload.summary.bytesTotal, rate: this.#rateOf(upload), files });
  }

  #finish(upload: Upload, index: number, result: UploadFileResult): void {
    const file = upload.files[index]!;
    if (file.result) return;
    file.result = result;
    upload.summary.filesDone += 1;
    const remaining = upload.files.filter((candidate) => !candidate.result).length;
    if (remaining === 0 && upload.summary.state === 'running') upload.summary.state = upload.files.every((candidate) => candidate.result?.ok) ? 'done' : 'failed';
    this.#options.emit({ type: 'upload-finished', uploadId: upload.summary.id, results: [result], remaining });
  }
}
