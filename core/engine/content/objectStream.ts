/** Reads an object's plaintext (whole or one range) across its segments, decrypting only the packages a range touches. */
import { Readable } from 'node:stream';
import {
  HEADER_SIZE, PACKAGE_SIZE, PackageNoncer, STORED_PACKAGE_SIZE, TAG_SIZE, createPackageOpener, decryptBuffer, integrityError, packageCount, storedSpanForRange, type PackageOpener,
} from '../../crypto/index.ts';
import { segmentContext, type DataKeys } from '../keys/dataKeys.ts';
import type { SegmentRow, SseRecord } from '../storage/engineIndex.ts';
import type { ContentStores } from './contentStores.ts';
import { inlineBlobHandle, type BlobHandle } from '../storage/blobStore.ts';
import { STEP_PACKAGES, type CryptoJob } from './cryptoPool.ts';

/** What {@link createObjectStream} reads. */
export interface ObjectSource {
  bucket: string;
  key: string;
  record: SseRecord;
  segments: SegmentRow[];
  customerKey?: Buffer;
  /** The current row of a segment (its sealed key may have been rewrapped since the read began). */
  refresh?: (blobId: string) => SegmentRow | undefined;
}

/** What a read uses: the blob files, the data keys and, when the engine has them, the crypto workers. */
export type ObjectStores = Pick<ContentStores, 'blobs' | 'keys' | 'crypto'>;

/** Packages per positional read: 1 MiB of plaintext per read, decrypted while the next read is in flight. */
const PACKAGES_PER_READ = STEP_PACKAGES;
const PLAIN_READ_SIZE = PACKAGES_PER_READ * PACKAGE_SIZE;
/** Stored bytes of a full encrypted step: only such read buffers are kept for reuse (small reads get their own). */
const FULL_STEP = PACKAGES_PER_READ * STORED_PACKAGE_SIZE;

function unsealCurrent(keys: DataKeys, source: ObjectSource, segment: SegmentRow): Buffer | undefined {
  try {
    return keys.unseal(source.record, segment, source.bucket, source.key, source.customerKey);
  } catch (error) {
    // A rewrap (and retire) may have replaced the sealed key this read started with.
    const fresh = source.refresh?.(segment.blobId);
    if (!fresh || fresh.sealedKey === segment.sealedKey) throw error;
    return keys.unseal(source.record, fresh, source.bucket, source.key, source.customerKey);
  }
}

/** One positional read of a segment: `length` stored bytes at `position`, then what to do with them. */
interface ReadStep {
  position: number;
  length: number;
  /** True for full encrypted steps: `deliver` returns new buffers, so the read buffer can serve a later step. */
  reusable: boolean;
  /** True when the bytes go to a crypto worker: they are read into a shared slab of the pool, returned after `deliver`. */
  shared: boolean;
  /** Plaintext chunks for these stored bytes (decrypted and verified, or the bytes themselves). */
  deliver(bytes: Buffer): Buffer[] | Promise<Buffer[]>;
}

/** The reads of one segment, in order: plain spans as they are, encrypted spans in whole packages. */
async function* segmentSteps(
  handle: BlobHandle, stores: ObjectStores, source: ObjectSource, segment: SegmentRow, start: number, end: number,
): AsyncGenerator<ReadStep> {
  const dataKey = unsealCurrent(stores.keys, source, segment);
  if (!dataKey) {
    for (let position = start; position <= end; position += PLAIN_READ_SIZE) {
      yield { position, length: Math.min(PLAIN_READ_SIZE, end + 1 - position), reusable: false, shared: false, deliver: (bytes) => [bytes] };
    }
    return;
  }
  const span = storedSpanForRange(segment.size, start, end);
  // Spans of at least one whole step are opened by a crypto worker; smaller ones here (a round trip costs more).
  const pool = span.length >= FULL_STEP ? stores.crypto : undefined;
  // A read from the first package takes the stream header along (one read for a small object); otherwise it is read first.
  let withHeader = span.offset === HEADER_SIZE && !pool;
  let opener: PackageOpener;
  let job: CryptoJob | undefined;
  try {
    const context = segmentContext(source.bucket, source.key, segment.uploadId, segment.partNumber, segment.blobId);
    opener = createPackageOpener({ dataKey, context, plainSize: segment.size, range: { start, end } });
    if (!withHeader) {
      const header = Buffer.alloc(HEADER_SIZE);
      const { bytesRead } = await handle.read(header, 0, HEADER_SIZE, 0);
      opener.setHeader(header.subarray(0, bytesRead));
      if (pool) job = pool.begin({ dataKey, ...new PackageNoncer(header, context).template() });
    }
  } finally {
    dataKey.fill(0);
  }
  if (job) {
    try {
      yield* workerSteps(job, opener, segment.size, span.offset, start, end);
    } finally {
      job.end();
    }
    return;
  }
  let position = span.offset;
  for (let first = opener.first; first <= opener.last; first += PACKAGES_PER_READ) {
    const last = Math.min(opener.last, first + PACKAGES_PER_READ - 1);
    const length = (last - first) * STORED_PACKAGE_SIZE + opener.storedLength(last);
    const header = withHeader ? HEADER_SIZE : 0;
    withHeader = false;
    yield {
      position: position - header,
      length: length + header,
      reusable: header === 0 && length === FULL_STEP,
      shared: false,
      deliver(bytes) {
        if (header > 0) opener.setHeader(bytes.subarray(0, Math.min(bytes.length, header)));
        const plain: Buffer[] = [];
        let offset = header;
        for (let sequence = first; sequence <= last; sequence++) {
          const stored = opener.storedLength(sequence);
          // A short read leaves a short package, which fails its tag like any other truncation.
          const chunk = opener.open(sequence, bytes.subarray(offset, Math.min(bytes.length, offset + stored)));
          if (chunk.length > 0) plain.push(chunk);
          offset += stored;
        }
        // Pushed as they are: joining them into one buffer per step cost more (a 1 MiB copy) than the writes it saved.
        return plain;
      },
    };
    position += length;
  }
}

/** The steps of a segment opened by a crypto worker: each yields one joined, verified buffer, trimmed to the range. */
function* workerSteps(job: CryptoJob, opener: PackageOpener, plainSize: number, offset: number, start: number, end: number): Generator<ReadStep> {
  const finalSequence = packageCount(plainSize) - 1;
  let position = offset;
  for (let first = opener.first; first <= opener.last; first += PACKAGES_PER_READ) {
    const last = Math.min(opener.last, first + PACKAGES_PER_READ - 1);
    const lastLength = opener.storedLength(last);
    const length = (last - first) * STORED_PACKAGE_SIZE + lastLength;
    yield {
      position,
      length,
      reusable: false,
      shared: true,
      async deliver(bytes) {
        // A short read leaves a short last package, which fails its tag like any other truncation.
        const count = bytes.length === length ? last - first + 1 : Math.max(1, Math.ceil(bytes.length / STORED_PACKAGE_SIZE));
        const stored = bytes.length - (count - 1) * STORED_PACKAGE_SIZE;
        if (stored < TAG_SIZE) throw integrityError('The encrypted stream is truncated.', { package: first + count - 1 });
        const reply = await job.open(bytes.buffer as SharedArrayBuffer, first, count, stored, finalSequence);
        if (reply.failedPackage !== undefined) {
          throw integrityError('An encrypted package failed authentication: the data was altered, truncated, reordered or belongs to another object.', { package: reply.failedPackage });
        }
        const plain = Buffer.from(reply.plain!);
        const base = first * PACKAGE_SIZE;
        const from = Math.max(0, start - base);
        const to = Math.min(plain.length, end + 1 - base);
        return from === 0 && to === plain.length ? [plain] : [plain.subarray(from, to)];
      },
    };
    position += length;
  }
}

/** A segment (or the part of it the range touches) with its inclusive byte range. */
interface SegmentSpan {
  segment: SegmentRow;
  start: number;
  end: number;
}

function spansOf(segments: SegmentRow[], start: number, end: number): SegmentSpan[] {
  const spans: SegmentSpan[] = [];
  let offset = 0;
  for (const segment of segments) {
    const first = offset;
    const last = offset + segment.size - 1;
    offset += segment.size;
    if (segment.size === 0 || last < start || first > end) continue;
    spans.push({ segment, start: Math.max(start, first) - first, end: Math.min(end, last) - first });
  }
  return spans;
}

/**
 * Reads segments with positional reads on one FileHandle per segment. The read of step n+1 is issued
 * before step n is decrypted, so disk (or page cache, on the thread pool) and AES-GCM overlap; each step is one
 * read and one push per package, with no stream in between. With crypto workers, a step of a large segment is read
 * into a shared slab and opened by a worker, which hands back the step's plaintext as one buffer.
 */
class ObjectReadable extends Readable {
  readonly #stores: ObjectStores;
  readonly #source: ObjectSource;
  readonly #spans: SegmentSpan[];
  #handle: BlobHandle | undefined;
  #steps: AsyncGenerator<ReadStep> | undefined;
  #ahead: Promise<{ step: ReadStep; bytes: Buffer } | undefined> | undefined;
  #reading = false;
  /** Read buffers whose bytes were decrypted into new buffers, ready for the next encrypted step. */
  readonly #spare: Buffer[] = [];

  constructor(stores: ObjectStores, source: ObjectSource, spans: SegmentSpan[]) {
    super({ highWaterMark: PLAIN_READ_SIZE });
    this.#stores = stores;
    this.#source = source;
    this.#spans = spans;
  }

  /** The next step's bytes, opening the next segment when the current one is done; undefined at the end. */
  async #fetch(): Promise<{ step: ReadStep; bytes: Buffer } | undefined> {
    for (;;) {
      if (!this.#steps) {
        const span = this.#spans.shift();
        if (!span) return undefined;
        const handle = span.segment.inline ? inlineBlobHandle(span.segment.inline) : await this.#stores.blobs.openRead(span.segment.blobId);
        if (this.destroyed) {
          // Destroyed while the segment was opening: nothing would close it later.
          await handle.close();
          return undefined;
        }
        this.#handle = handle;
        this.#steps = segmentSteps(this.#handle, this.#stores, this.#source, span.segment, span.start, span.end);
      }
      const next = await this.#steps.next();
      if (next.done) {
        this.#steps = undefined;
        const handle = this.#handle;
        this.#handle = undefined;
        await handle?.close();
        continue;
      }
      const step = next.value;
      const bytes = step.shared ? Buffer.from(this.#stores.crypto!.slab(), 0, step.length)
        : ((step.reusable ? this.#spare.pop() : undefined) ?? Buffer.allocUnsafe(step.length));
      const { bytesRead } = await this.#handle!.read(bytes, 0, step.length, step.position);
      return { step, bytes: bytes.subarray(0, bytesRead) };
    }
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      let wanted = true;
      while (wanted && !this.destroyed) {
        const current = await (this.#ahead ?? this.#fetch());
        this.#ahead = undefined;
        if (this.destroyed) return;
        if (!current) {
          this.push(null);
          return;
        }
        // Start the next read before this one is decrypted.
        this.#ahead = this.#fetch();
        this.#ahead.catch(() => {});
        const chunks = current.step.shared ? await this.#opened(current.step, current.bytes) : (current.step.deliver(current.bytes) as Buffer[]);
        if (this.destroyed) return;
        for (const chunk of chunks) wanted = this.push(chunk);
        if (current.step.reusable && current.bytes.length === FULL_STEP) this.#spare.push(current.bytes);
      }
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#reading = false;
    }
  }

  /** A worker's plaintext for a step read into a shared slab; the slab goes back to the pool once the worker is done with it. */
  async #opened(step: ReadStep, bytes: Buffer): Promise<Buffer[]> {
    try {
      return await step.deliver(bytes);
    } finally {
      this.#stores.crypto!.recycle(bytes.buffer as SharedArrayBuffer);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.#close(error, callback);
  }

  /** Waits for a read in flight, then closes the open segment; the stream's destroy callback runs last. */
  async #close(error: Error | null, callback: (error?: Error | null) => void): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    try {
      await ahead;
    } catch {
      // The stream is being destroyed: a failed read-ahead changes nothing.
    }
    try {
      await this.#steps?.return(undefined);
      await this.#handle?.close();
    } catch {
      // Closing a segment that failed is best effort.
    }
    this.#handle = undefined;
    callback(error);
  }
}

/**
 * The plaintext (whole, or `range` inclusive) of an object whose one segment is kept in the index, decrypted and
 * verified in memory: a small GET needs no stream. Undefined for any other object. Throws DataIntegrityError or
 * KeyUnsealError before a byte is sent.
 */
export function readInlineObject(stores: ObjectStores, source: ObjectSource, range?: { start: number; end: number }): Buffer | undefined {
  const [segment] = source.segments;
  if (source.segments.length !== 1 || !segment?.inline) return undefined;
  const start = range?.start ?? 0;
  const end = range?.end ?? segment.size - 1;
  const dataKey = unsealCurrent(stores.keys, source, segment);
  if (!dataKey) return segment.inline.subarray(start, end + 1);
  try {
    const span = storedSpanForRange(segment.size, start, end);
    const context = segmentContext(source.bucket, source.key, segment.uploadId, segment.partNumber, segment.blobId);
    const stored = segment.inline.subarray(span.offset, span.offset + span.length);
    return decryptBuffer(stored, { dataKey, context, plainSize: segment.size, range: { start, end }, header: segment.inline.subarray(0, HEADER_SIZE) });
  } finally {
    dataKey.fill(0);
  }
}

/**
 * A Readable of plaintext bytes `range.start..range.end` (inclusive; the whole object without a range). Each
 * segment's data key is unsealed when the stream reaches it; a damaged package or key fails the stream
 * (DataIntegrityError / KeyUnsealError) before any unauthenticated byte is emitted.
 */
export function createObjectStream(stores: ObjectStores, source: ObjectSource, range?: { start: number; end: number }): Readable {
  const total = source.segments.reduce((sum, segment) => sum + segment.size, 0);
  const start = range?.start ?? 0;
  const end = range?.end ?? total - 1;
  // The blobs stay on disk until this stream closes, even if the object is replaced or deleted meanwhile.
  const release = stores.blobs.retain(source.segments.map((segment) => segment.blobId));
  const stream = new ObjectReadable(stores, source, spansOf(source.segments, start, end));
  stream.once('close', release);
  return stream;
}
