/** uploadFile: PUT or parallel, resumable multipart upload of one file, with SSE confirmation and CRC-64 checks. */
import { stat } from 'node:fs/promises';
import { CosSyncError } from '../common/errors.ts';
import { crc64Combine } from '../protocol/crc64.ts';
import type { ConfirmedEncryption, SseRequest } from '../protocol/serverSideEncryption.ts';
import { CosError } from '../protocol/cosError.ts';
import { crc64Mismatch, requireConfirmed, responseCrc64 } from './integrity.ts';
import { headObject } from './getObject.ts';
import { abortMultipartUpload, completeMultipartUpload, initiateMultipartUpload, uploadPart, type UploadedPart } from './multipart.ts';
import { ProgressTracker } from './progressTracker.ts';
import { putObject } from './putObject.ts';
import { openSmallFile, readFileRange } from './requestBody.ts';
import type { Transport } from './transport.ts';
import { validResumedParts } from './uploadResume.ts';

const MiB = 1024 * 1024;

/** A multipart session to continue, as persisted by the caller. */
export interface UploadResume {
  uploadId: string;
  partSize: number;
  parts: UploadedPart[];
}

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Encryption to request; default SSE-COS (`{ mode: 'AES256' }`). */
  sse?: SseRequest;
  contentType?: string;
  metadata?: Record<string, string>;
  /** Part size in bytes (rounded up to MiB; at least 1 MiB and size/10000). Default: {@link choosePartSize} from the size, the concurrency and the measured round trip. */
  partSize?: number;
  /** Send Content-MD5 with every part (servers that return no CRC-64); costs an MD5 pass before each part. Default false. */
  contentMd5?: boolean;
  /** Files of at least this size use multipart. Default 16 MiB. */
  multipartThreshold?: number;
  /** Parts in flight at once. Default: the client's concurrency. */
  concurrency?: number;
  /** Continue this session: parts listed (and still stored with the same ETag and size) are not sent again. */
  resume?: UploadResume;
  /** Awaited once a new multipart session exists, before its first part is sent. Given → failures leave the upload for resume. */
  onSession?: (session: { uploadId: string; partSize: number }) => void | Promise<void>;
  /** Awaited after each stored part (before that worker takes the next part). */
  onPart?: (part: UploadedPart) => void | Promise<void>;
  /** Throttled (~10/s), monotonic; ends at `totalBytes`. Resumed parts count as sent. */
  onProgress?: (bytesSent: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Awaited before each chunk is written (bandwidth limiter). */
  throttle?: (bytes: number) => Promise<void>;
}

/** Outcome of {@link uploadFile}. `crc64` is decimal and equals the server's. */
export interface UploadFileResult {
  etag: string;
  crc64: string;
  size: number;
  encryption: ConfirmedEncryption;
  uploadId?: string;
  /** False when the server reported no CRC-64 (the content could not be verified). */
  crc64Verified: boolean;
}

function cancelled(key: string, cause?: unknown): CosSyncError {
  return new CosSyncError('Cancelled', `The upload of '${key}' was cancelled.`, { retry: 'cancelled', cause });
}

/** What {@link choosePartSize} may weigh besides the file size. */
export interface PartSizeHints {
  /** Parts in flight at once. */
  concurrency?: number;
  /** Measured round trip of one small request (the Initiate), in milliseconds. */
  roundTripMs?: number;
}

/**
 * The part size for a file, rounded up to MiB: `requested` when given (at least 1 MiB and size/10000); otherwise
 * about four parts per worker (so the workers stay busy to the end) between 8 and 64 MiB, grown on a long round
 * trip so that one costs at most ~5 % of a part's transfer time at 100 MB/s per connection — but never so far that
 * a worker would be left without a part.
 */
export function choosePartSize(size: number, requested?: number, hints: PartSizeHints = {}): number {
  const floor = Math.max(MiB, Math.ceil(size / 10_000));
  let wanted: number;
  if (requested !== undefined) wanted = Math.max(requested, floor);
  else {
    const workers = Math.max(1, hints.concurrency ?? 4);
    const perWorker = Math.ceil(size / (workers * 4));
    const roundTripBound = Math.min(((hints.roundTripMs ?? 0) / 1000) * 100e6 * 20, Math.ceil(size / workers));
    wanted = Math.max(floor, Math.min(64 * MiB, Math.max(8 * MiB, perWorker, roundTripBound)));
  }
  return Math.ceil(wanted / MiB) * MiB;
}

/**
 * Uploads `filePath` to `bucket/key`: one PUT below `multipartThreshold` (or for empty files), otherwise a
 * multipart upload whose parts go up in parallel. Throws CosSyncError `SseNotConfirmed` (fatal) and
 * `Crc64Mismatch` (retry); network and COS errors keep their retry class; cancellation throws `Cancelled`.
 */
export async function uploadFile(transport: Transport, bucket: string, key: string, filePath: string, options: UploadFileOptions, defaultConcurrency: number): Promise<UploadFileResult> {
  let opened: { size: number; bytes?: Buffer };
  try {
    // One open for a small file (its size and bytes); a large one is only sized here and streamed part by part.
    opened = options.resume ? await stat(filePath) : openSmallFile(filePath);
  } catch (error) {
    if (error instanceof CosSyncError) throw error;
    const { code, message } = error as NodeJS.ErrnoException;
    throw new CosSyncError('SourceUnreadable', `Cannot read '${filePath}' (${code ?? message}).`, { retry: 'fatal', hint: 'Check that the file exists and is readable.', cause: error });
  }
  const { size } = opened;
  const sse = options.sse ?? { mode: 'AES256' };
  const progress = new ProgressTracker(size, options.onProgress, 100);
  if (!options.resume && (size === 0 || size < (options.multipartThreshold ?? 16 * MiB))) {
    const source = opened.bytes ?? (size <= 64 * MiB ? await readFileRange(filePath, 0, size) : filePath);
    const result = await putObject(transport, bucket, key, source, {
      sse,
      contentType: options.contentType,
      metadata: options.metadata,
      signal: options.signal,
      throttle: options.throttle,
      onProgress: (bytes) => progress.update(1, bytes),
    });
    progress.finish();
    return { etag: result.etag, crc64: result.crc64, size, encryption: result.encryption, crc64Verified: result.crc64Verified };
  }
  return uploadMultipart(transport, bucket, key, filePath, size, sse, options, progress, options.concurrency ?? defaultConcurrency);
}

async function uploadMultipart(
  transport: Transport,
  bucket: string,
  key: string,
  filePath: string,
  size: number,
  sse: SseRequest,
  options: UploadFileOptions,
  progress: ProgressTracker,
  concurrency: number,
): Promise<UploadFileResult> {
  let partSize = options.resume?.partSize ?? 0;
  let uploadId: string | undefined;
  let done = new Map<number, UploadedPart>();
  if (options.resume) {
    const kept = await validResumedParts(transport, bucket, key, filePath, size, options.resume, options.signal);
    if (kept) {
      uploadId = options.resume.uploadId;
      done = kept;
    }
  }
  if (uploadId === undefined) {
    if (options.signal?.aborted) throw cancelled(key);
    // Not cancellable mid-flight: a cancelled Initiate could still create an upload whose id we would never learn.
    const started = performance.now();
    uploadId = (await initiateMultipartUpload(transport, bucket, key, { sse, contentType: options.contentType, metadata: options.metadata })).uploadId;
    partSize = choosePartSize(size, options.partSize, { concurrency, roundTripMs: performance.now() - started });
    if (options.signal?.aborted) {
      await abortMultipartUpload(transport, bucket, key, uploadId, AbortSignal.timeout(30_000)).catch(() => undefined);
      throw cancelled(key);
    }
    await options.onSession?.({ uploadId, partSize });
  }
  const partCount = Math.max(1, Math.ceil(size / partSize));
  for (const part of done.values()) progress.skip(part.size);

  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const pending = Array.from({ length: partCount }, (_, index) => index + 1).filter((number) => !done.has(number));
  let failure: unknown;
  const worker = async (): Promise<void> => {
    for (let number = pending.shift(); number !== undefined && failure === undefined; number = pending.shift()) {
      try {
        const offset = (number - 1) * partSize;
        const part = await uploadPart(transport, bucket, key, uploadId, number, { path: filePath, offset, length: Math.min(partSize, size - offset) }, {
          sse,
          signal,
          contentMd5: options.contentMd5,
          throttle: options.throttle,
          onBytes: (bytes) => progress.update(number, bytes),
        });
        done.set(number, part);
        progress.complete(number, part.size);
        await options.onPart?.(part);
      } catch (error) {
        failure ??= error;
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  try {
    if (failure !== undefined) throw options.signal?.aborted ? cancelled(key, failure) : failure;
    const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
    let whole = 0n;
    for (const part of parts) whole = crc64Combine(whole, BigInt(part.crc64), part.size);
    const crc64 = whole.toString(10);
    const completed = await completeMultipartUpload(transport, bucket, key, uploadId, parts, { sse, signal: options.signal }).catch(async (error: unknown) => {
      // A retried Complete whose first attempt succeeded finds no upload: accept it if the object is exactly ours.
      if (!(error instanceof CosError && error.code === 'NoSuchUpload')) throw error;
      const head = await headObject(transport, bucket, key, { ...(sse.mode === 'customer' ? { customerKey: sse.key } : {}), signal: options.signal }).catch(() => undefined);
      if (!head || head.size !== size || head.crc64 !== crc64) throw error;
      return { etag: head.etag, location: '', crc64: head.crc64, encryption: requireConfirmed(sse, head.encryption, transport.writeTarget('HEAD Object', bucket, key)) };
    });
    const remote = responseCrc64(completed.crc64 ? { 'x-cos-hash-crc64ecma': completed.crc64 } : {});
    if (remote !== undefined && !/^\d+$/.test(remote)) throw crc64Mismatch(`'${key}'`, crc64, remote);
    if (remote !== undefined && BigInt(remote) !== whole) throw crc64Mismatch(`'${key}'`, crc64, remote);
    progress.finish();
    return { etag: completed.etag, crc64, size, encryption: completed.encryption, uploadId, crc64Verified: remote !== undefined };
  } catch (error) {
    if (!options.onSession) await abortMultipartUpload(transport, bucket, key, uploadId, AbortSignal.timeout(30_000)).catch(() => undefined);
    throw error;
  }
}
