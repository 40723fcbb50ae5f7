/** Decrypts package-stream bytes (whole or a range) and releases each package's plaintext only after its tag verifies. */
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import {
  HEADER_SIZE,
  PACKAGE_SIZE,
  PackageNoncer,
  STORED_PACKAGE_SIZE,
  TAG_SIZE,
  checkDataKey,
  integrityError,
  invalidArgument,
  packageCount,
  packageOffset,
  packagePlainLength,
  parseHeader,
  plainSizeOf,
  storedSpanForRange,
} from './packageFormat.ts';

/** An inclusive plaintext byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface PlainRange {
  start: number;
  end: number;
}

/** Options for {@link createDecryptStream}. */
export interface DecryptOptions {
  /** The object's (or part's) 32-byte data key. */
  dataKey: Buffer;
  /** The same stream context the data was encrypted with. */
  context: string;
  /** Plaintext size of the whole stream, from the engine's index. */
  plainSize: number;
  /** Plaintext bytes to output (inclusive); the whole stream when absent. */
  range?: PlainRange;
  /**
   * The 16-byte stream header read separately. When given, the input starts at the first package
   * of the span; when absent, the input is the header immediately followed by the span.
   */
  header?: Buffer;
}

/** Opens the packages of one stream (or range) and trims them to the range; see {@link createPackageOpener}. */
export interface PackageOpener {
  /** First and last package sequence the range touches. */
  readonly first: number;
  readonly last: number;
  /** Accepts the stream header (throws `DataIntegrityError` for an unknown one). */
  setHeader(header: Buffer): void;
  /** Stored bytes (ciphertext ‖ tag) of package `sequence`. */
  storedLength(sequence: number): number;
  /** Verifies package `sequence` and returns its plaintext trimmed to the range; throws `DataIntegrityError` and returns nothing otherwise. */
  open(sequence: number, stored: Buffer): Buffer;
}

class RangeOpener implements PackageOpener {
  readonly first: number;
  readonly last: number;
  // One key object per stream: importing a raw key on every package was a tenth of the GET profile.
  readonly #dataKey: KeyObject;
  readonly #context: string;
  readonly #finalSequence: number;
  readonly #plainSize: number;
  readonly #start: number;
  readonly #endExclusive: number;
  #noncer: PackageNoncer | undefined;

  constructor(options: DecryptOptions) {
    checkDataKey(options.dataKey);
    if (typeof options.context !== 'string' || options.context.length === 0) throw invalidArgument('A stream context must be a non-empty string.');
    this.#dataKey = createSecretKey(options.dataKey);
    this.#context = options.context;
    this.#plainSize = options.plainSize;
    this.#finalSequence = packageCount(options.plainSize) - 1;
    if (options.range) {
      const span = storedSpanForRange(options.plainSize, options.range.start, options.range.end);
      this.first = span.firstPackage;
      this.last = span.lastPackage;
      this.#start = options.range.start;
      this.#endExclusive = options.range.end + 1;
    } else {
      this.first = 0;
      this.last = this.#finalSequence;
      this.#start = 0;
      this.#endExclusive = options.plainSize;
    }
  }

  setHeader(header: Buffer): void {
    parseHeader(header);
    this.#noncer = new PackageNoncer(header, this.#context);
  }

  storedLength(sequence: number): number {
    return packagePlainLength(this.#plainSize, sequence) + TAG_SIZE;
  }

  open(sequence: number, stored: Buffer): Buffer {
    if (!this.#noncer) throw integrityError('The stream header is missing.');
    const { nonce, aad } = this.#noncer.next(sequence, sequence === this.#finalSequence);
    const ciphertext = stored.subarray(0, stored.length - TAG_SIZE);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#dataKey, nonce, { authTagLength: TAG_SIZE });
      decipher.setAAD(aad);
      decipher.setAuthTag(stored.subarray(stored.length - TAG_SIZE));
      // update() returns plaintext before the tag is checked; it is kept local until final() succeeds.
      plain = decipher.update(ciphertext);
      decipher.final();
    } catch (error) {
      throw integrityError('An encrypted package failed authentication: the data was altered, truncated, reordered or belongs to another object.', { package: sequence }, error);
    }
    const packageStart = sequence * PACKAGE_SIZE;
    const from = Math.max(0, this.#start - packageStart);
    const to = Math.min(plain.length, this.#endExclusive - packageStart);
    return from === 0 && to === plain.length ? plain : plain.subarray(from, to);
  }
}

/**
 * A package opener for callers that read stored packages themselves (positional reads of whole packages):
 * call `setHeader` with the stream header, then `open` each package of `first..last` in order. Nothing is
 * returned for a package whose tag fails.
 */
export function createPackageOpener(options: DecryptOptions): PackageOpener {
  const opener = new RangeOpener(options);
  if (options.header) opener.setHeader(options.header);
  return opener;
}

/**
 * A Transform from stored bytes to plaintext. Input: the header (unless passed as `header`) then
 * the stored span of `range` (see `storedSpanForRange`), or the whole stored object without a range.
 * Output: exactly the requested plaintext. Each package is buffered whole and emitted only after
 * its GCM tag verifies; any altered, missing, extra, reordered or foreign byte destroys the stream
 * with `DataIntegrityError` before that package's bytes are emitted.
 */
export function createDecryptStream(options: DecryptOptions): Transform {
  const opener = new RangeOpener(options);
  const headerStage = Buffer.alloc(HEADER_SIZE);
  let headerFilled = 0;
  if (options.header) {
    opener.setHeader(options.header);
    headerFilled = HEADER_SIZE;
  }
  const stage = Buffer.allocUnsafe(STORED_PACKAGE_SIZE);
  let staged = 0;
  let sequence = opener.first;
  let need = opener.storedLength(sequence);

  return new Transform({
    readableHighWaterMark: 4 * PACKAGE_SIZE,
    writableHighWaterMark: 4 * STORED_PACKAGE_SIZE,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        let offset = 0;
        if (headerFilled < HEADER_SIZE) {
          const take = Math.min(HEADER_SIZE - headerFilled, chunk.length);
          chunk.copy(headerStage, headerFilled, 0, take);
          headerFilled += take;
          offset = take;
          if (headerFilled === HEADER_SIZE) opener.setHeader(headerStage);
        }
        while (offset < chunk.length) {
          if (sequence > opener.last) throw integrityError('Unexpected data after the last package of the stream.', { package: sequence });
          if (staged === 0 && chunk.length - offset >= need) {
            // A whole package inside the chunk: open it in place without copying.
            const plain = opener.open(sequence, chunk.subarray(offset, offset + need));
            if (plain.length > 0) this.push(plain);
            offset += need;
          } else {
            const take = Math.min(need - staged, chunk.length - offset);
            chunk.copy(stage, staged, offset, offset + take);
            staged += take;
            offset += take;
            if (staged < need) break;
            const plain = opener.open(sequence, stage.subarray(0, need));
            if (plain.length > 0) this.push(plain);
            staged = 0;
          }
          sequence++;
          if (sequence <= opener.last) need = opener.storedLength(sequence);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (headerFilled < HEADER_SIZE) callback(integrityError('The stream header is truncated.'));
      else if (sequence <= opener.last) callback(integrityError('The encrypted stream is truncated.', { package: sequence, missingBytes: need - staged }));
      else callback();
    },
  });
}

/**
 * Decrypts stored bytes synchronously (for small objects and tests). `stored` is the whole object,
 * or with `range` the header followed by the span (unless `header` is given). `plainSize` defaults
 * to {@link plainSizeOf}(stored.length) for whole objects. Throws `DataIntegrityError`.
 */
export function decryptBuffer(stored: Buffer, options: Omit<DecryptOptions, 'plainSize'> & { plainSize?: number }): Buffer {
  const plainSize = options.plainSize ?? (options.range ? undefined : plainSizeOf(stored.length));
  if (plainSize === undefined) throw invalidArgument('plainSize is required to decrypt a range.');
  const opener = new RangeOpener({ ...options, plainSize });
  let offset = 0;
  if (options.header) opener.setHeader(options.header);
  else {
    opener.setHeader(stored.subarray(0, HEADER_SIZE));
    offset = HEADER_SIZE;
  }
  const expected = offset + packageOffset(opener.last) - packageOffset(opener.first) + opener.storedLength(opener.last);
  if (stored.length !== expected) throw integrityError('The encrypted data has the wrong length.', { expected, actual: stored.length });
  const parts: Buffer[] = [];
  for (let sequence = opener.first; sequence <= opener.last; sequence++) {
    const length = opener.storedLength(sequence);
    parts.push(opener.open(sequence, stored.subarray(offset, offset + length)));
    offset += length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
