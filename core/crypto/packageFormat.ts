/** Package stream format: constants, header, nonce/AAD construction and pure size arithmetic (see FORMAT.md). */
import { createHash } from 'node:crypto';
import { CosSyncError } from '../common/errors.ts';

/** Plaintext bytes in every non-final package (64 KiB). */
export const PACKAGE_SIZE = 65536;
/** GCM tag bytes appended to every package. */
export const TAG_SIZE = 16;
/** Stored bytes of a full (non-final) package: 64 KiB ciphertext + tag. */
export const STORED_PACKAGE_SIZE = PACKAGE_SIZE + TAG_SIZE;
/** Bytes of the stream header that precedes the first package. */
export const HEADER_SIZE = 16;
/** Bytes of the random per-stream nonce prefix. */
export const NONCE_PREFIX_SIZE = 8;
/** Bytes of a data key (AES-256). */
export const DATA_KEY_SIZE = 32;
/** Format version written in byte 4 of the header. */
export const FORMAT_VERSION = 1;
/** Largest package count a stream may hold (the sequence number is 32 bits). */
export const MAX_PACKAGES = 0x1_0000_0000;

const MAGIC = Buffer.from('CSPS', 'latin1');
const CIPHER_AES_256_GCM = 1;
const PACKAGE_SIZE_LOG2 = 16;
const AAD_SIZE = HEADER_SIZE + 32 + 4 + 1;
/** Where a package's sequence number (uint32 BE) sits in its nonce, and where sequence and final flag sit in its AAD (FORMAT.md §2). */
export const NONCE_SEQUENCE_OFFSET = NONCE_PREFIX_SIZE;
export const AAD_SEQUENCE_OFFSET = HEADER_SIZE + 32;
export const AAD_FINAL_OFFSET = AAD_SEQUENCE_OFFSET + 4;

/** Where a plaintext range lives in the stored bytes; see {@link storedSpanForRange}. */
export interface StoredSpan {
  /** Byte offset in the stored object of the first package the range touches (the header is not included). */
  offset: number;
  /** Stored bytes from `offset` through the end of the last package the range touches. */
  length: number;
  /** Sequence number of the first package in the span. */
  firstPackage: number;
  /** Sequence number of the last package in the span. */
  lastPackage: number;
  /** Plaintext bytes of the first package that precede `start` and are not output. */
  skip: number;
}

/** The error every integrity failure raises: altered, truncated, reordered or foreign bytes. */
export function integrityError(message: string, details: Record<string, string | number | boolean | undefined> = {}, cause?: unknown): CosSyncError {
  return new CosSyncError('DataIntegrityError', message, {
    retry: 'fatal',
    hint: 'The stored object is damaged or does not belong here; restore it from another copy.',
    details,
    cause,
  });
}

/** An `InvalidArgument` error for caller mistakes (bad sizes, ranges, keys). */
export function invalidArgument(message: string, details: Record<string, string | number | boolean | undefined> = {}): CosSyncError {
  return new CosSyncError('InvalidArgument', message, { retry: 'fatal', details });
}

/** Throws unless `dataKey` is a 32-byte Buffer. */
export function checkDataKey(dataKey: Buffer): void {
  if (!Buffer.isBuffer(dataKey) || dataKey.length !== DATA_KEY_SIZE) throw invalidArgument(`A data key must be ${DATA_KEY_SIZE} bytes.`);
}

function checkSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`${name} must be a non-negative safe integer.`, { [name]: value });
}

/** Number of packages that carry `plainSize` bytes: at least one, because empty streams still end with an authenticated final package. */
export function packageCount(plainSize: number): number {
  checkSize(plainSize, 'plainSize');
  return plainSize === 0 ? 1 : Math.ceil(plainSize / PACKAGE_SIZE);
}

/** Plaintext length of package `sequence` in a stream of `plainSize` bytes. */
export function packagePlainLength(plainSize: number, sequence: number): number {
  const last = packageCount(plainSize) - 1;
  return sequence < last ? PACKAGE_SIZE : plainSize - last * PACKAGE_SIZE;
}

/** Stored size of `plainSize` plaintext bytes: header + every package's ciphertext + one tag per package. */
export function storedSize(plainSize: number): number {
  return HEADER_SIZE + plainSize + packageCount(plainSize) * TAG_SIZE;
}

/**
 * Plaintext size of a stored object of `stored` bytes, the inverse of {@link storedSize}. Throws
 * `DataIntegrityError` for sizes no encryptor produces (shorter than header + tag, a trailing
 * fragment of at most 16 bytes after full packages).
 */
export function plainSizeOf(stored: number): number {
  checkSize(stored, 'storedSize');
  const body = stored - HEADER_SIZE;
  if (body < TAG_SIZE) throw integrityError('The stored size is too small to hold an encrypted stream.', { storedSize: stored });
  const full = Math.floor(body / STORED_PACKAGE_SIZE);
  const rest = body % STORED_PACKAGE_SIZE;
  if (rest === 0) return full * PACKAGE_SIZE;
  if (rest === TAG_SIZE && full === 0) return 0;
  if (rest <= TAG_SIZE) throw integrityError('The stored size does not match any encrypted stream length.', { storedSize: stored });
  return full * PACKAGE_SIZE + rest - TAG_SIZE;
}

/** Byte offset in the stored object where package `sequence` begins. */
export function packageOffset(sequence: number): number {
  return HEADER_SIZE + sequence * STORED_PACKAGE_SIZE;
}

/**
 * The stored span to read for plaintext bytes `start..end` (inclusive) of an object of `plainSize`
 * bytes. Readers also need the {@link HEADER_SIZE}-byte header at offset 0 (pass it in-band before
 * the span, or out-of-band as `header`). Throws `InvalidArgument` unless 0 ≤ start ≤ end < plainSize.
 */
export function storedSpanForRange(plainSize: number, start: number, end: number): StoredSpan {
  checkSize(plainSize, 'plainSize');
  checkSize(start, 'start');
  checkSize(end, 'end');
  if (start > end || end >= plainSize) throw invalidArgument('The range is outside the object.', { plainSize, start, end });
  const firstPackage = Math.floor(start / PACKAGE_SIZE);
  const lastPackage = Math.floor(end / PACKAGE_SIZE);
  const offset = packageOffset(firstPackage);
  const length = (lastPackage - firstPackage) * STORED_PACKAGE_SIZE + packagePlainLength(plainSize, lastPackage) + TAG_SIZE;
  return { offset, length, firstPackage, lastPackage, skip: start - firstPackage * PACKAGE_SIZE };
}

/** The 16-byte stream header for `noncePrefix`: magic "CSPS", version, cipher, log2 package size, reserved 0, nonce prefix. */
export function encodeHeader(noncePrefix: Buffer): Buffer {
  if (!Buffer.isBuffer(noncePrefix) || noncePrefix.length !== NONCE_PREFIX_SIZE) throw invalidArgument(`A nonce prefix must be ${NONCE_PREFIX_SIZE} bytes.`);
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header[4] = FORMAT_VERSION;
  header[5] = CIPHER_AES_256_GCM;
  header[6] = PACKAGE_SIZE_LOG2;
  header[7] = 0;
  noncePrefix.copy(header, 8);
  return header;
}

/** Checks a stored header's fixed fields and returns its nonce prefix; throws `DataIntegrityError` on anything unknown. */
export function parseHeader(header: Buffer): Buffer {
  if (header.length !== HEADER_SIZE) throw integrityError('The stream header is truncated.', { length: header.length });
  if (!header.subarray(0, 4).equals(MAGIC)) throw integrityError('The stored object does not start with a package stream header.');
  if (header[4] !== FORMAT_VERSION || header[5] !== CIPHER_AES_256_GCM || header[6] !== PACKAGE_SIZE_LOG2 || header[7] !== 0) {
    throw integrityError('The package stream header names an unknown version, cipher or package size.', { version: header[4] });
  }
  return Buffer.from(header.subarray(8, 16));
}

/** Per-stream state that builds each package's nonce and AAD in place (reused buffers: copy before keeping). */
export class PackageNoncer {
  readonly #nonce = Buffer.alloc(12);
  readonly #aad = Buffer.alloc(AAD_SIZE);

  /** `header` is the encoded stream header, `context` the caller's stream context (non-empty). */
  constructor(header: Buffer, context: string) {
    if (typeof context !== 'string' || context.length === 0) throw invalidArgument('A stream context must be a non-empty string.');
    header.copy(this.#nonce, 0, 8, 16);
    header.copy(this.#aad, 0);
    createHash('sha256').update('cos-sync/package-stream/v1\0').update(context, 'utf8').digest().copy(this.#aad, HEADER_SIZE);
  }

  /** Sets nonce and AAD for package `sequence` (final or not) and returns both. */
  next(sequence: number, final: boolean): { nonce: Buffer; aad: Buffer } {
    if (!Number.isInteger(sequence) || sequence < 0 || sequence >= MAX_PACKAGES) throw invalidArgument('The stream has too many packages.', { sequence });
    this.#nonce.writeUInt32BE(sequence, NONCE_SEQUENCE_OFFSET);
    this.#aad.writeUInt32BE(sequence, AAD_SEQUENCE_OFFSET);
    this.#aad[AAD_FINAL_OFFSET] = final ? 1 : 0;
    return { nonce: this.#nonce, aad: this.#aad };
  }

  /**
   * Copies of nonce and AAD for another thread, which sets each package's sequence number at
   * {@link NONCE_SEQUENCE_OFFSET} / {@link AAD_SEQUENCE_OFFSET} and its final flag at {@link AAD_FINAL_OFFSET} itself.
   */
  template(): { nonce: Buffer; aad: Buffer } {
    return { nonce: Buffer.from(this.#nonce), aad: Buffer.from(this.#aad) };
  }
}
