/** The positional reads of one segment (whole packages when encrypted) and how each becomes verified plaintext, on the main thread or on the crypto workers. */
import {
  HEADER_SIZE, PACKAGE_SIZE, PackageNoncer, STORED_PACKAGE_SIZE, TAG_SIZE, createPackageOpener, integrityError, packageCount, storedSpanForRange, type PackageOpener,
} from '../../crypto/index.ts';
import { segmentContext, type DataKeys } from '../keys/dataKeys.ts';
import type { BlobHandle } from '../storage/blobStore.ts';
import type { SegmentRow } from '../storage/engineIndex.ts';
import { SLAB_SIZE, STEP_PACKAGES, type CryptoJob, type CryptoPool } from './cryptoPool.ts';
import type { ObjectSource, ObjectStores } from './objectStream.ts';

/** Packages per positional read: 1 MiB of plaintext per step. */
const PACKAGES_PER_READ = STEP_PACKAGES;
const PLAIN_READ_SIZE = PACKAGES_PER_READ * PACKAGE_SIZE;
/** Stored bytes of a full encrypted step: only such read buffers are kept for reuse (small reads get their own). */
export const FULL_STEP = PACKAGES_PER_READ * STORED_PACKAGE_SIZE;

/** The verified plaintext of one step, trimmed to the range, in output order. */
export interface Delivery {
  chunks: Buffer[];
  /** The pool slab the chunks live in when they are lent: it goes back to the pool once the consumer wrote them. */
  slab?: SharedArrayBuffer;
}

/** One positional read of a segment and the plaintext it becomes; the steps of a segment may run at the same time. */
export interface ReadStep {
  run(handle: BlobHandle): Promise<Delivery>;
}

/** The steps of one segment, in order, and what ends its worker jobs once every step has run. */
export interface SegmentPlan {
  steps: Iterator<ReadStep>;
  end(): void;
}

/** How the steps of one stream get their memory. */
export interface StepMemory {
  /** Lend pool slabs to the consumer (it gives them back once written) instead of fresh plaintext buffers. */
  lend: boolean;
  /** Read buffers of full main-thread steps, kept for the next one (their plaintext comes from the decipher). */
  spare: Buffer[];
}

/** The data key of `segment` (undefined when stored plain), from the current row when a rewrap replaced the one the read began with. */
export function unsealCurrent(keys: DataKeys, source: ObjectSource, segment: SegmentRow): Buffer | undefined {
  try {
    return keys.unseal(source.record, segment, source.bucket, source.key, source.customerKey);
  } catch (error) {
    // A rewrap (and retire) may have replaced the sealed key this read started with.
    const fresh = source.refresh?.(segment.blobId);
    if (!fresh || fresh.sealedKey === segment.sealedKey) throw error;
    return keys.unseal(source.record, fresh, source.bucket, source.key, source.customerKey);
  }
}

/** Reads exactly what a step asks for (a short read is returned short: an encrypted step then fails its tag). */
async function readAt(handle: BlobHandle, bytes: Buffer, length: number, position: number): Promise<Buffer> {
  const { bytesRead } = await handle.read(bytes, 0, length, position);
  return bytes.subarray(0, bytesRead);
}

/**
 * Plans the reads of `segment` bytes `start..end` (inclusive): plain spans as they are, encrypted spans in whole
 * packages, opened by the crypto workers when the span holds a whole step, else on this thread. Unseals the data key
 * (and reads the stream header) first, so a key problem fails here.
 */
export async function planSegment(
  handle: BlobHandle, stores: ObjectStores, source: ObjectSource, segment: SegmentRow, start: number, end: number, memory: StepMemory,
): Promise<SegmentPlan> {
  const dataKey = unsealCurrent(stores.keys, source, segment);
  if (!dataKey) return { steps: plainSteps(memory.lend ? stores.crypto : undefined, start, end), end: () => {} };
  const span = storedSpanForRange(segment.size, start, end);
  // Spans of at least one whole step are opened by the crypto workers; smaller ones here (a round trip costs more).
  const pool = span.length >= FULL_STEP ? stores.crypto : undefined;
  // A span of one step from the first package takes the stream header along (one read for a small object).
  const withHeader = span.offset === HEADER_SIZE && !pool && span.length <= FULL_STEP;
  const jobs: CryptoJob[] = [];
  let opener: PackageOpener;
  try {
    const context = segmentContext(source.bucket, source.key, segment.uploadId, segment.partNumber, segment.blobId);
    opener = createPackageOpener({ dataKey, context, plainSize: segment.size, range: { start, end } });
    if (!withHeader) {
      const header = await readAt(handle, Buffer.alloc(HEADER_SIZE), HEADER_SIZE, 0);
      opener.setHeader(header);
      if (pool) {
        // One job on each worker: the steps of this segment are opened on both at once (packages are independent).
        const template = { dataKey, ...new PackageNoncer(header, context).template() };
        const first = pool.begin(template);
        jobs.push(first);
        if (pool.workers.length > 1) jobs.push(pool.begin(template, first));
      }
    }
  } finally {
    dataKey.fill(0);
  }
  const endJobs = (): void => {
    for (const job of jobs) job.end();
  };
  if (pool) return { steps: workerSteps(pool, jobs, opener, segment.size, span.offset, start, end, memory.lend), end: endJobs };
  return { steps: mainThreadSteps(opener, span.offset, withHeader, memory.spare), end: endJobs };
}

/** A plain segment: its bytes as they are, into lent pool slabs when there is a pool to lend from. */
function* plainSteps(pool: CryptoPool | undefined, start: number, end: number): Generator<ReadStep> {
  for (let position = start; position <= end; position += PLAIN_READ_SIZE) {
    const length = Math.min(PLAIN_READ_SIZE, end + 1 - position);
    yield {
      async run(handle) {
        if (!pool) return { chunks: [await readAt(handle, Buffer.allocUnsafe(length), length, position)] };
        const slab = pool.slab();
        try {
          return { chunks: [await readAt(handle, Buffer.from(slab, 0, length), length, position)], slab };
        } catch (error) {
          pool.recycle(slab);
          throw error;
        }
      },
    };
  }
}

/** Encrypted steps opened on this thread: the plaintext comes from the decipher, so full read buffers are reused. */
function* mainThreadSteps(opener: PackageOpener, offset: number, withHeader: boolean, spare: Buffer[]): Generator<ReadStep> {
  let position = offset;
  for (let first = opener.first; first <= opener.last; first += PACKAGES_PER_READ) {
    const last = Math.min(opener.last, first + PACKAGES_PER_READ - 1);
    const length = (last - first) * STORED_PACKAGE_SIZE + opener.storedLength(last);
    // Only the first step can take the header along (and then it is the only step).
    const header = withHeader && first === opener.first ? HEADER_SIZE : 0;
    const at = position - header;
    const reusable = header === 0 && length === FULL_STEP;
    yield {
      async run(handle) {
        const buffer = (reusable ? spare.pop() : undefined) ?? Buffer.allocUnsafe(length + header);
        const bytes = await readAt(handle, buffer, length + header, at);
        if (header > 0) opener.setHeader(bytes.subarray(0, Math.min(bytes.length, header)));
        const chunks: Buffer[] = [];
        let cursor = header;
        for (let sequence = first; sequence <= last; sequence++) {
          const stored = opener.storedLength(sequence);
          // A short read leaves a short package, which fails its tag like any other truncation.
          const chunk = opener.open(sequence, bytes.subarray(cursor, Math.min(bytes.length, cursor + stored)));
          if (chunk.length > 0) chunks.push(chunk);
          cursor += stored;
        }
        if (reusable) spare.push(buffer);
        // Pushed as they are: joining them into one buffer per step cost more (a 1 MiB copy) than the writes it saved.
        return { chunks };
      },
    };
    position += length;
  }
}

/**
 * Steps opened by the crypto workers: each reads into a shared slab, goes to the job with fewer requests pending, and
 * yields the worker's verified plaintext (one buffer, trimmed to the range) in a second slab, lent or the consumer's.
 */
function* workerSteps(
  pool: CryptoPool, jobs: CryptoJob[], opener: PackageOpener, plainSize: number, offset: number, start: number, end: number, lend: boolean,
): Generator<ReadStep> {
  const finalSequence = packageCount(plainSize) - 1;
  let turn = 0;
  let position = offset;
  for (let first = opener.first; first <= opener.last; first += PACKAGES_PER_READ) {
    const last = Math.min(opener.last, first + PACKAGES_PER_READ - 1);
    const length = (last - first) * STORED_PACKAGE_SIZE + opener.storedLength(last);
    const at = position;
    yield {
      async run(handle) {
        const slab = pool.slab();
        try {
          const bytes = await readAt(handle, Buffer.from(slab, 0, length), length, at);
          // A short read leaves a short last package, which fails its tag like any other truncation.
          const count = bytes.length === length ? last - first + 1 : Math.max(1, Math.ceil(bytes.length / STORED_PACKAGE_SIZE));
          const stored = bytes.length - (count - 1) * STORED_PACKAGE_SIZE;
          if (stored < TAG_SIZE) throw integrityError('The encrypted stream is truncated.', { package: first + count - 1 });
          const job = jobs.reduce((best, candidate) => (candidate.pending < best.pending ? candidate : best), jobs[turn++ % jobs.length]!);
          const out = lend ? pool.slab() : new SharedArrayBuffer(SLAB_SIZE);
          const reply = await job.open(slab, out, first, count, stored, finalSequence);
          if (reply.failedPackage !== undefined || reply.length === undefined) {
            throw integrityError('An encrypted package failed authentication: the data was altered, truncated, reordered or belongs to another object.', { package: reply.failedPackage });
          }
          const base = first * PACKAGE_SIZE;
          const from = Math.max(0, start - base);
          const to = Math.min(reply.length, end + 1 - base);
          return { chunks: [Buffer.from(out, from, to - from)], ...(lend ? { slab: out } : {}) };
        } finally {
          // The worker answered (or died): nothing reads the input slab any more. An output slab that holds no
          // verified step is dropped, not reused.
          pool.recycle(slab);
        }
      },
    };
    position += length;
  }
}
