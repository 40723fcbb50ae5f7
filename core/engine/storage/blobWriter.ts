/** Streams a request body into a new blob in one pass: size limit, MD5, CRC-64 (and SHA-256), optional encryption, durable commit. */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream, encryptBuffer } from '../../crypto/index.ts';
import { cosError } from '../../protocol/cosError.ts';
import { Crc64Hasher } from '../../protocol/crc64.ts';
import type { BlobStore } from './blobStore.ts';
import { createFileHandleSink } from '../../common/fileHandleSink.ts';

/** Options of {@link writeBlob}. */
export interface BlobWriteOptions {
  /** Blob id to use (it is part of the encryption context, so callers choose it first). */
  blobId: string;
  /** Encrypt with this data key and context; plain when absent. */
  encryption?: { dataKey: Buffer; context: string };
  /** Largest accepted plaintext (EntityTooLarge above). */
  maxSize: number;
  /** Declared plaintext size; a different count fails with IncompleteBody. */
  expectedSize?: number;
  /** Also compute the SHA-256 of the plaintext (SigV4 payload check). */
  sha256?: boolean;
  /** Runs after the body is stored but before the commit; throw to discard the blob (BadDigest, …). */
  check?: (result: BlobWriteResult) => void;
  /** Writes the body into the temp file instead of the hashing and encrypting pass on this thread (the engine's crypto workers). */
  bodyWriter?: BlobBodyWriter;
}

/** What a {@link BlobBodyWriter} is asked to do. */
export interface BlobBodyOptions {
  encryption?: { dataKey: Buffer; context: string };
  maxSize: number;
  sha256?: boolean;
}

/** The plaintext size and digests of a written body. */
export interface BlobDigests {
  size: number;
  hashes: { md5: Uint8Array; crc64: bigint; sha256Hex?: string };
}

/**
 * Writes the whole body (header and packages when encrypted) into `handle` from offset 0 and returns its digests;
 * EntityTooLarge past `maxSize`. It must not return or throw while a write to `handle` is still in flight.
 */
export type BlobBodyWriter = (source: Readable, handle: FileHandle, options: BlobBodyOptions) => Promise<BlobDigests>;

/** What was written. */
export interface BlobWriteResult {
  blobId: string;
  size: number;
  md5: Buffer;
  crc64: bigint;
  sha256Hex?: string;
}

const WRITE_BUFFER = 4 << 20;

/** Size limit and the plaintext hashes, fed chunk by chunk in the one pass over the body. */
class Meter {
  readonly md5: Hash = createHash('md5');
  readonly crc = new Crc64Hasher();
  readonly sha: Hash | undefined;
  size = 0;
  readonly #max: number;

  constructor(max: number, sha256: boolean) {
    this.#max = max;
    this.sha = sha256 ? createHash('sha256') : undefined;
  }

  /** Counts and hashes `chunk`; throws EntityTooLarge past the limit. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.#max) throw cosError('EntityTooLarge', `The body exceeds the maximum allowed size of ${this.#max} bytes.`);
    this.md5.update(chunk);
    this.crc.update(chunk);
    this.sha?.update(chunk);
  }

  /** A pass-through stage that meters (for plain blobs, which have no encrypting stage to hash in). */
  stage(): Transform {
    return new Transform({
      highWaterMark: 1 << 20,
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        try {
          this.update(chunk);
          callback(null, chunk);
        } catch (error) {
          callback(error as Error);
        }
      },
    });
  }
}

/**
 * Reads `source` to the end, hashing the plaintext, encrypting it when asked, and writing it to
 * DATA/tmp; then runs `check`, and on success makes the blob durable under `blobId` (datasync, rename,
 * directory fsync). On any failure the temp file is removed and the error rethrown.
 */
export async function writeBlob(store: BlobStore, source: Readable, options: BlobWriteOptions): Promise<BlobWriteResult> {
  const pending = await store.create(options.blobId);
  try {
    const body = { encryption: options.encryption, maxSize: options.maxSize, sha256: options.sha256 };
    const { size, hashes } = await (options.bodyWriter ?? writeBodyHere)(source, pending.handle, body);
    if (options.expectedSize !== undefined && size !== options.expectedSize) {
      throw cosError('IncompleteBody', `The body has ${size} bytes but ${options.expectedSize} were declared.`);
    }
    const result: BlobWriteResult = { blobId: options.blobId, size, md5: Buffer.from(hashes.md5), crc64: hashes.crc64 };
    if (hashes.sha256Hex !== undefined) result.sha256Hex = hashes.sha256Hex;
    options.check?.(result);
    await store.commit(pending);
    return result;
  } catch (error) {
    await store.discard(pending);
    throw error;
  }
}

/** A small body's stored bytes (the same package stream a blob file would hold) and what was written. */
export interface InlineBlob {
  result: BlobWriteResult;
  stored: Buffer;
}

/**
 * Reads a small body whole into memory (never more than its declared `expectedSize`, which callers check is small),
 * hashes and encrypts it, and runs `check`: the stored bytes are kept in the index and become durable with its commit.
 */
export async function writeInlineBlob(source: Readable, options: BlobWriteOptions): Promise<InlineBlob> {
  const meter = new Meter(options.maxSize, options.sha256 ?? false);
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    meter.update(chunk as Buffer);
    // Held in memory, so never beyond what was declared.
    if (options.expectedSize !== undefined && meter.size > options.expectedSize) break;
    chunks.push(chunk as Buffer);
  }
  if (options.expectedSize !== undefined && meter.size !== options.expectedSize) {
    throw cosError('IncompleteBody', `The body has ${meter.size} bytes but ${options.expectedSize} were declared.`);
  }
  const plain = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const result: BlobWriteResult = { blobId: options.blobId, size: meter.size, md5: meter.md5.digest(), crc64: meter.crc.digest() };
  if (meter.sha) result.sha256Hex = meter.sha.digest('hex');
  options.check?.(result);
  const stored = options.encryption ? encryptBuffer(plain, options.encryption) : plain;
  return { result, stored };
}

/** The body pass on this thread: hashes (and encrypts) chunk by chunk, one write in flight while the next megabytes are processed. */
export async function writeBodyHere(source: Readable, handle: FileHandle, options: BlobBodyOptions): Promise<BlobDigests> {
  const meter = new Meter(options.maxSize, options.sha256 ?? false);
  // The handle stays open for datasync and is closed only by commit or discard.
  const sink = createFileHandleSink(handle, WRITE_BUFFER);
  // Encrypted: hashed inside the encrypting stage, one hop per chunk fewer than a separate metering stage.
  if (options.encryption) await pipeline(source, createEncryptStream({ ...options.encryption, observe: (chunk) => meter.update(chunk) }), sink);
  else await pipeline(source, meter.stage(), sink);
  return { size: meter.size, hashes: { md5: meter.md5.digest(), crc64: meter.crc.digest(), ...(meter.sha ? { sha256Hex: meter.sha.digest('hex') } : {}) } };
}
