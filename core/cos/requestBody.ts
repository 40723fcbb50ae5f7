/** Request bodies for uploads: re-readable sources (buffer, file range) or one-shot streams, metered per chunk. */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CosSyncError } from '../common/errors.ts';
import { Crc64Hasher } from '../protocol/crc64.ts';

/** Chunk size used when slicing buffers so progress and throttling see the body as it is written. */
const SLICE = 1024 * 1024;

/** A request body: its exact length and a way to open it for each attempt. */
export interface RequestBody {
  /** Exact byte length (sent as Content-Length). */
  readonly length: number;
  /** False for one-shot streams: such requests are never retried. */
  readonly rewindable: boolean;
  /** Opens the body for one attempt; re-readable bodies may be opened again. */
  open(): AsyncIterable<Uint8Array>;
}

/** Hooks called for every chunk as it is handed to the socket. */
export interface BodyMeter {
  /** Awaited before each chunk is written (bandwidth limiting). */
  throttle?: (bytes: number) => Promise<void>;
  /** Called after each chunk with the bytes written so far in this attempt. */
  onBytes?: (attemptBytes: number) => void;
}

/** A metered body plus the CRC-64 of the bytes the last successful attempt actually wrote. */
export interface MeteredBody extends RequestBody {
  /** Decimal CRC-64 of the bytes of the most recently opened attempt (complete once that attempt finished). */
  crc64(): string;
}

async function* sliceBuffer(buffer: Uint8Array): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < buffer.length; offset += SLICE) yield buffer.subarray(offset, Math.min(buffer.length, offset + SLICE));
}

/** A body over an in-memory buffer (re-readable). */
export function bufferBody(buffer: Uint8Array): RequestBody {
  return { length: buffer.length, rewindable: true, open: () => sliceBuffer(buffer) };
}

/** A body streamed from `length` bytes of a file starting at `offset` (re-readable). */
export function fileRangeBody(path: string, offset: number, length: number): RequestBody {
  return {
    length,
    rewindable: true,
    open: () => (length === 0 ? sliceBuffer(new Uint8Array(0)) : createReadStream(path, { start: offset, end: offset + length - 1, highWaterMark: SLICE })),
  };
}

/** A body from a one-shot stream of known length; a second open fails, so requests with it are not retried. */
export function streamBody(stream: Readable | AsyncIterable<Uint8Array>, length: number): RequestBody {
  let opened = false;
  return {
    length,
    rewindable: false,
    open: () => {
      if (opened) throw new Error('A streamed request body cannot be sent twice.');
      opened = true;
      return stream;
    },
  };
}

/** Wraps `body` so every attempt computes a CRC-64 of what it writes and reports chunks to `meter`. */
export function meteredBody(body: RequestBody, meter: BodyMeter = {}): MeteredBody {
  let hasher = new Crc64Hasher();
  async function* run(source: AsyncIterable<Uint8Array>, attemptHasher: Crc64Hasher): AsyncIterable<Uint8Array> {
    let written = 0;
    for await (const chunk of source) {
      if (meter.throttle) await meter.throttle(chunk.length);
      attemptHasher.update(chunk);
      yield chunk;
      written += chunk.length;
      meter.onBytes?.(written);
    }
  }
  return {
    length: body.length,
    rewindable: body.rewindable,
    open() {
      hasher = new Crc64Hasher();
      return run(body.open(), hasher);
    },
    crc64: () => hasher.digestString(),
  };
}

/** Reads `length` bytes of a file at `offset` into memory. */
export async function readFileRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new CosSyncError('SourceChanged', `The file ${path} became shorter while it was being uploaded.`, { retry: 'retry', hint: 'The upload will be tried again once the file is stable.' });
      }
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Files up to this size are read in one blocking call: a few page-cache microseconds, not four thread-pool hops. */
export const SMALL_FILE_BYTES = 64 * 1024;

/**
 * Opens `path` once and returns its size, with its bytes when it holds at most `SMALL_FILE_BYTES` (read synchronously:
 * for many small files the promise and thread-pool round trips of open/stat/read/close cost more than the reads).
 * Larger files are only sized; their bytes are streamed later. Throws the fs error (ENOENT, EISDIR…) as is.
 */
export function openSmallFile(path: string): { size: number; bytes?: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > SMALL_FILE_BYTES) return { size };
    const bytes = Buffer.allocUnsafe(size);
    for (let done = 0; done < size;) {
      const read = readSync(fd, bytes, done, size - done, done);
      if (read === 0) {
        throw new CosSyncError('SourceChanged', `The file ${path} became shorter while it was being uploaded.`, { retry: 'retry', hint: 'The upload will be tried again once the file is stable.' });
      }
      done += read;
    }
    return { size, bytes };
  } finally {
    closeSync(fd);
  }
}

/** Base64 MD5 of a buffer, for Content-MD5 (the CRC-64 is computed while the body is written). */
export function md5Base64(buffer: Uint8Array): string {
  return createHash('md5').update(buffer).digest('base64');
}

/** Base64 MD5 of a file range, read without keeping it in memory. */
export async function md5OfFileRange(path: string, offset: number, length: number): Promise<string> {
  const md5 = createHash('md5');
  if (length > 0) {
    for await (const chunk of createReadStream(path, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) md5.update(chunk);
  }
  return md5.digest('base64');
}
