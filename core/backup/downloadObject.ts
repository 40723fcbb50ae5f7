/** downloadObject: fetches one object into a temporary file beside its destination, CRC-64 checked, resumable in ranges. */
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CosSyncError } from '../common/errors.ts';
import { concurrentEach } from '../common/concurrentEach.ts';
import { createFileHandleSink } from '../common/fileHandleSink.ts';
import type { ObjectInfo } from '../cos/objectInfo.ts';
import { crc64Combine, crc64File, Crc64Hasher } from '../protocol/crc64.ts';
import type { BackupClient } from './storedEncryption.ts';

/** Bytes the file sink buffers before it holds the body back (a write in flight collects the next ones). */
const WRITE_BATCH = 1024 * 1024;

/** What one download needs. */
export interface DownloadRequest {
  bucket: string;
  key: string;
  /** The final path; the bytes go to {@link temporaryPath}(target, key) first. */
  target: string;
  /** HEAD of the object: required for ranged downloads (size, ETag, CRC-64); optional for whole ones. */
  info?: ObjectInfo;
  /** Objects of at least this size are fetched in ranges of `partSize` that survive a crash. */
  rangedThreshold: number;
  partSize: number;
  /** Ranges in flight at once for one object. */
  concurrency: number;
  customerKey?: Buffer;
  signal?: AbortSignal;
  /** Bytes received (not counting resumed ranges). */
  onBytes?: (bytes: number) => void;
}

/** A downloaded, verified temporary file, ready to be renamed to the target. */
export interface DownloadedObject {
  info: ObjectInfo;
  temporary: string;
  /** Bytes of ranges a previous run had already written (not fetched again). */
  resumedBytes: number;
  /** False when the server reported no CRC-64 for the object (the bytes could not be checked). */
  crc64Verified: boolean;
}

/** The temporary file of `key` in `target`'s folder: a fixed name per key, so a rerun finds its ranges again. */
export function temporaryPath(target: string, key: string): string {
  return path.join(path.dirname(target), `.cos-sync-restore-${createHash('sha256').update(key).digest('hex').slice(0, 20)}.part`);
}

/** The note beside a ranged temporary file: which object it holds and which ranges are complete. */
interface RangeNote {
  key: string;
  etag: string;
  size: number;
  crc64: string | undefined;
  partSize: number;
  done: number[];
  /** CRC-64 (decimal) of each finished range, so the whole file's CRC is combined instead of read again. */
  crcs?: Record<string, string>;
}

function changed(key: string): CosSyncError {
  return new CosSyncError('ObjectChanged', `'${key}' changed on the server while it was being restored.`, { retry: 'retry', hint: 'Run the restore again to fetch the new version.' });
}

async function checkCrc(temporary: string, info: ObjectInfo, signal: AbortSignal | undefined, streamed?: string): Promise<boolean> {
  if (info.crc64 === undefined) return false;
  const actual = streamed ?? String(await crc64File(temporary, signal));
  if (actual !== info.crc64) {
    await rm(temporary, { force: true });
    throw new CosSyncError('Crc64Mismatch', `The restored bytes of '${info.key}' have CRC-64 ${actual}, the server reports ${info.crc64}.`, { retry: 'retry', hint: 'Run the restore again; the damaged temporary file was removed.' });
  }
  return true;
}

/**
 * Writes `body` into `handle` from `position` on and returns the byte count. Chunks that arrive while a write is in
 * flight go out in one positional `writev` (no per-chunk write, no re-slicing of the body's buffer); `onChunk` sees
 * every chunk in order as it arrives.
 */
async function streamInto(handle: FileHandle, body: Readable, position: number, onChunk: (chunk: Buffer) => void): Promise<number> {
  let length = 0;
  // Attached in the same tick as the pipeline, so this listener and the sink see the same chunks.
  body.on('data', (chunk: Buffer) => {
    length += chunk.length;
    onChunk(chunk);
  });
  await pipeline(body, createFileHandleSink(handle, WRITE_BATCH, position));
  return length;
}

async function wholeDownload(client: BackupClient, request: DownloadRequest, temporary: string): Promise<DownloadedObject> {
  const result = await client.getObject(request.bucket, request.key, { ...(request.customerKey ? { customerKey: request.customerKey } : {}), ...(request.signal ? { signal: request.signal } : {}) });
  if (request.info && result.info.etag !== request.info.etag) {
    result.body.destroy();
    throw changed(request.key);
  }
  const hasher = new Crc64Hasher();
  const handle = await open(temporary, 'w');
  let length: number;
  try {
    length = await streamInto(handle, result.body, 0, (chunk) => {
      hasher.update(chunk);
      request.onBytes?.(chunk.length);
    });
    await handle.datasync();
  } catch (error) {
    result.body.destroy();
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  if (length !== result.info.size) {
    await rm(temporary, { force: true });
    throw new CosSyncError('ShortRead', `The download of '${request.key}' ended after ${length} of ${result.info.size} bytes.`, { retry: 'retry' });
  }
  const crc64Verified = await checkCrc(temporary, result.info, request.signal, hasher.digestString());
  return { info: result.info, temporary, resumedBytes: 0, crc64Verified };
}

/** The whole file's CRC-64 from the CRCs of its ranges, or undefined when a range has none (a note of an older version). */
function combinedCrc(crcs: Record<string, string>, size: number, partSize: number): string | undefined {
  let crc = 0n;
  for (let part = 0; part * partSize < size; part++) {
    const range = crcs[part];
    if (range === undefined) return undefined;
    crc = crc64Combine(crc, BigInt(range), Math.min(partSize, size - part * partSize));
  }
  return String(crc);
}

/** Writes a range note as a complete file renamed into place: a crash leaves the old note or the new one, never a torn one. */
async function saveNote(notePath: string, note: RangeNote): Promise<void> {
  await writeFile(`${notePath}.tmp`, JSON.stringify(note));
  await rename(`${notePath}.tmp`, notePath);
}

async function rangedDownload(client: BackupClient, request: DownloadRequest, info: ObjectInfo, temporary: string): Promise<DownloadedObject> {
  const notePath = `${temporary}.json`;
  const fresh: RangeNote = { key: request.key, etag: info.etag, size: info.size, crc64: info.crc64, partSize: request.partSize, done: [] };
  // A note that cannot be read or parsed (a crash of an older version mid-write) only means: start the object afresh.
  const previous = await readFile(notePath, 'utf8').then((text) => JSON.parse(text) as RangeNote).catch(() => undefined);
  const resumable = previous !== undefined && previous.key === fresh.key && previous.etag === fresh.etag && previous.size === fresh.size && previous.crc64 === fresh.crc64 && previous.partSize === fresh.partSize;
  const note: RangeNote = resumable ? { ...fresh, done: previous.done.filter((part) => Number.isSafeInteger(part)), crcs: { ...previous.crcs } } : { ...fresh, crcs: {} };
  const crcs = note.crcs!;
  const handle = await open(temporary, resumable ? 'r+' : 'w').catch(() => open(temporary, 'w'));
  let resumedBytes = 0;
  try {
    if ((await handle.stat()).size !== info.size) {
      note.done = [];
      for (const part of Object.keys(crcs)) delete crcs[part];
      await handle.truncate(info.size);
    }
    if (!resumable) await saveNote(notePath, note);
    const parts = Math.ceil(info.size / request.partSize);
    const done = new Set(note.done);
    for (const part of done) resumedBytes += Math.min(request.partSize, info.size - part * request.partSize);
    let saving: Promise<void> = Promise.resolve();
    const pending = Array.from({ length: parts }, (_, part) => part).filter((part) => !done.has(part));
    await concurrentEach(pending, request.concurrency, async (part) => {
      const start = part * request.partSize;
      const end = Math.min(info.size, start + request.partSize) - 1;
      const result = await client.getObject(request.bucket, request.key, { range: { start, end }, ...(request.customerKey ? { customerKey: request.customerKey } : {}), ...(request.signal ? { signal: request.signal } : {}) });
      if (result.info.etag !== info.etag) {
        result.body.destroy();
        throw changed(request.key);
      }
      const hasher = new Crc64Hasher();
      const length = await streamInto(handle, result.body, start, (chunk) => {
        hasher.update(chunk);
        request.onBytes?.(chunk.length);
      });
      if (length !== end - start + 1) throw new CosSyncError('ShortRead', `A range of '${request.key}' ended after ${length} of ${end - start + 1} bytes.`, { retry: 'retry' });
      await handle.datasync();
      done.add(part);
      crcs[part] = hasher.digestString();
      // One note write at a time, each a complete file renamed into place, so a crash leaves the old or the new note.
      saving = saving.then(async () => {
        await saveNote(notePath, { ...note, done: [...done], crcs });
      });
      await saving;
    }, request.signal);
  } finally {
    await handle.close();
  }
  const crc64Verified = await checkCrc(temporary, info, request.signal, combinedCrc(crcs, info.size, request.partSize)).catch(async (error: unknown) => {
    await rm(notePath, { force: true });
    throw error;
  });
  await rm(notePath, { force: true });
  return { info, temporary, resumedBytes, crc64Verified };
}

/**
 * Downloads `request.key` to its temporary file and checks the CRC-64 against `x-cos-hash-crc64ecma`. Objects at
 * or above `rangedThreshold` are fetched in ranges written in place; each finished range is synced and recorded
 * in a note, so a rerun after a crash fetches only the missing ranges while the object's ETag, size and CRC are
 * unchanged. Every range must come from the same ETag (`ObjectChanged` otherwise). The caller renames the result.
 */
export async function downloadObject(client: BackupClient, request: DownloadRequest): Promise<DownloadedObject> {
  const temporary = temporaryPath(request.target, request.key);
  if (request.info && request.info.size >= request.rangedThreshold && request.info.size > request.partSize) return rangedDownload(client, request, request.info, temporary);
  return wholeDownload(client, request, temporary);
}
