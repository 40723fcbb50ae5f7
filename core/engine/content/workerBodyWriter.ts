/** Writes a request body into a blob file with its hashing and encryption done by a crypto worker, 1 MiB steps in shared slabs. */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';
import { HEADER_SIZE, NONCE_PREFIX_SIZE, PACKAGE_SIZE, PackageNoncer, STORED_PACKAGE_SIZE, TAG_SIZE, encodeHeader } from '../../crypto/index.ts';
import { cosError } from '../../protocol/cosError.ts';
import type { BlobBodyOptions, BlobDigests } from '../storage/blobWriter.ts';
import { STEP_PACKAGES, type CryptoPool } from './cryptoPool.ts';
import { noteYoungGarbage } from './youngGeneration.ts';
import { writeFully } from '../../common/fileHandleSink.ts';

/** Plaintext bytes of one step. */
const STEP_PLAIN = STEP_PACKAGES * PACKAGE_SIZE;
/** Steps of one body being sealed or written while the next one fills (4 MiB per stream at most). */
const STEPS_IN_FLIGHT = 3;
/**
 * Written bytes after which a datasync starts while the body still arrives. Without it the page cache holds the
 * whole body and the commit's datasync flushes all of it at the end (1 GiB: seconds of nothing else); with it the
 * disk works while the socket does. The commit still ends with its own datasync: durability is unchanged.
 */
const FLUSH_EVERY = 32 << 20;
/**
 * Body bytes (of every body in flight together) after which the main thread collects its young generation: each
 * socket chunk (≤ 64 KiB) is a fresh buffer that is garbage once copied into a slab, and without this a 1 GiB body
 * left up to ~64 MiB of them at a time.
 */
const COLLECT_EVERY = 4 << 20;

/** Waits until at most `count` of `inFlight` are left (the oldest first). */
async function drainTo(inFlight: Promise<void>[], count: number): Promise<void> {
  while (inFlight.length > count) await inFlight.shift();
}

/**
 * Feeds each chunk of `source` to `take` as it arrives ('data' events, so chunks are never joined into new buffers as
 * an async iterator's `read()` does), pausing the source while the promise `take` returns is pending. Resolves at the
 * end of the body; rejects when `take` throws or rejects, or the body fails or ends early. The source is not destroyed
 * (a request whose job failed still gets its error document on the open connection), only left paused.
 */
function eachChunk(source: Readable, take: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const settle = (error?: Error | null): void => {
      if (done) return;
      done = true;
      source.off('data', onData);
      stopWatching();
      source.pause();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      let wait: Promise<void> | undefined;
      try {
        wait = take(chunk);
      } catch (error) {
        settle(error as Error);
        return;
      }
      if (!wait) return;
      source.pause();
      wait.then(() => {
        if (!done) source.resume();
      }, settle);
    };
    const stopWatching = finished(source, (error) => settle(error));
    source.on('data', onData);
  });
}

/**
 * Reads `source` to the end and writes the stored bytes (header and packages, or the plaintext) into `handle` from
 * offset 0. The main thread only copies the body into slabs (package by package, at their stored offsets) and issues
 * positional writes; one worker hashes MD5 (and SHA-256) while another computes CRC-64 and seals each step into a
 * second slab. At most {@link STEPS_IN_FLIGHT} steps are in flight, so a fast client waits for the disk and the
 * workers (back-pressure).
 * On any failure it waits for the writes in flight before it throws, so the caller may close the file.
 */
export async function writeBodyInWorker(pool: CryptoPool, source: Readable, handle: FileHandle, options: BlobBodyOptions): Promise<BlobDigests> {
  const encryption = options.encryption;
  const header = encryption ? encodeHeader(randomBytes(NONCE_PREFIX_SIZE)) : undefined;
  const template = encryption && header ? new PackageNoncer(header, encryption.context).template() : undefined;
  // MD5 (and SHA-256) on one worker, CRC-64 and AES-GCM on the other: the two read the same slab at the same time.
  const hashing = pool.begin({ md5: true, sha256: options.sha256 });
  const sealing = pool.begin({ dataKey: encryption?.dataKey, ...template, crc64: true }, hashing);
  const inFlight: Promise<void>[] = [];
  let digests: Partial<BlobDigests['hashes']> = {};
  let position = 0;
  let size = 0;
  let written = 0;
  let flushedAt = 0;
  let flushing: Promise<void> | undefined;
  let slab = pool.slab();
  let view = Buffer.from(slab);
  let filled = 0;

  const track = (work: Promise<void>): void => {
    // Rejections are seen when the work is awaited; until then they are not "unhandled".
    work.catch(() => {});
    inFlight.push(work);
  };
  const dispatch = (final: boolean): void => {
    const count = encryption ? Math.max(1, Math.ceil(filled / PACKAGE_SIZE)) : 1;
    const lastLength = encryption ? filled - (count - 1) * PACKAGE_SIZE : filled;
    const storedLength = encryption ? (count - 1) * STORED_PACKAGE_SIZE + lastLength + TAG_SIZE : filled;
    const at = position;
    const own = slab;
    const out = encryption ? pool.slab() : undefined;
    position += storedLength;
    const step = { slab: own, stride: STORED_PACKAGE_SIZE, count, lastLength, final };
    track(Promise.all([hashing.seal(step), sealing.seal({ ...step, ...(out ? { out } : {}) })]).then(async ([hashed, sealed]) => {
      if (final) digests = { ...hashed.digests, ...sealed.digests };
      if (storedLength > 0) await writeFully(handle, [Buffer.from(out ?? own, 0, storedLength)], at);
      pool.recycle(own);
      if (out) pool.recycle(out);
      written += storedLength;
      if (!flushing && written - flushedAt >= FLUSH_EVERY) {
        flushedAt = written;
        const flush = handle.datasync().finally(() => (flushing = undefined));
        flushing = flush;
        track(flush);
      }
    }));
    slab = pool.slab();
    view = Buffer.from(slab);
    filled = 0;
  };

  try {
    if (header) {
      track(writeFully(handle, [header], 0));
      position = HEADER_SIZE;
    }
    await eachChunk(source, (chunk) => {
      size += chunk.length;
      noteYoungGarbage(chunk.length, COLLECT_EVERY);
      if (size > options.maxSize) throw cosError('EntityTooLarge', `The body exceeds the maximum allowed size of ${options.maxSize} bytes.`);
      let offset = 0;
      while (offset < chunk.length) {
        // A full step goes out only once more bytes arrived: the end of the body decides which package is final.
        if (filled === STEP_PLAIN) dispatch(false);
        if (encryption) {
          const within = filled % PACKAGE_SIZE;
          const take = Math.min(chunk.length - offset, PACKAGE_SIZE - within);
          chunk.copy(view, ((filled - within) / PACKAGE_SIZE) * STORED_PACKAGE_SIZE + within, offset, offset + take);
          filled += take;
          offset += take;
        } else {
          const take = Math.min(chunk.length - offset, STEP_PLAIN - filled);
          chunk.copy(view, filled, offset, offset + take);
          filled += take;
          offset += take;
        }
      }
      // Back-pressure: the socket is not read further while too many steps are in flight.
      return inFlight.length > STEPS_IN_FLIGHT ? drainTo(inFlight, STEPS_IN_FLIGHT) : undefined;
    });
    dispatch(true);
    while (inFlight.length > 0) await inFlight.shift();
  } catch (error) {
    // A step that finishes meanwhile may start a flush: wait until nothing is left.
    while (inFlight.length > 0) await Promise.allSettled(inFlight.splice(0));
    throw error;
  } finally {
    hashing.end();
    sealing.end();
  }
  pool.recycle(slab);
  const { md5, crc64, sha256Hex } = digests;
  if (!md5 || crc64 === undefined) throw cosError('InternalError', 'The crypto workers returned no digests.');
  return { size, hashes: { md5, crc64, ...(sha256Hex !== undefined ? { sha256Hex } : {}) } };
}
