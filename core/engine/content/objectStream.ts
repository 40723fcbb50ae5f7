/** Reads an object's plaintext (whole or one range) across its segments, decrypting only the packages a range touches. */
import { Readable } from 'node:stream';
import { HEADER_SIZE, decryptBuffer, storedSpanForRange } from '../../crypto/index.ts';
import { segmentContext } from '../keys/dataKeys.ts';
import type { SegmentRow, SseRecord } from '../storage/engineIndex.ts';
import { inlineBlobHandle, type BlobHandle } from '../storage/blobStore.ts';
import type { ContentStores } from './contentStores.ts';
import { planSegment, unsealCurrent, type Delivery, type ReadStep, type SegmentPlan } from './segmentSteps.ts';

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

/** Steps read and opened ahead of the consumer: 3 with crypto workers (both busy while the socket writes), else 2. */
const WORKER_STEPS_AHEAD = 3;
const MAIN_STEPS_AHEAD = 2;

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

/** An open segment: its file, its remaining steps, and how many of its steps are running (it closes after the last). */
interface OpenSegment {
  handle: BlobHandle;
  plan?: SegmentPlan;
  running: number;
  exhausted: boolean;
  closed?: Promise<void>;
}

/** Ends the segment's worker jobs and closes its file (once). */
function closeSegment(segment: OpenSegment): Promise<void> {
  segment.closed ??= (async () => {
    segment.plan?.end();
    await segment.handle.close();
  })();
  return segment.closed;
}

/**
 * Reads segments with positional reads on one handle per segment. Several steps run at once (read, then opened
 * by a crypto worker — on both workers, the less busy first — or on this thread) and are pushed strictly in order,
 * each only once all its packages verified. In lending mode the plaintext of worker steps lives in pool slabs that
 * the consumer gives back once written ({@link ObjectStream.giveBack}), so a long GET allocates nothing per step.
 */
class ObjectReadable extends Readable {
  readonly #stores: ObjectStores;
  readonly #source: ObjectSource;
  readonly #spans: SegmentSpan[];
  readonly #ahead: number;
  readonly #memory: { lend: boolean; spare: Buffer[] };
  /** Steps running, in output order; an undefined delivery marks the end. */
  readonly #queue: Promise<Delivery | undefined>[] = [];
  /** Every step not settled yet (also the one the pump waits for). */
  readonly #running = new Set<Promise<unknown>>();
  /** Planning is serial: segments open one after another and their steps come in order. */
  #planned: Promise<unknown> = Promise.resolve();
  #segment: OpenSegment | undefined;
  #reading = false;
  /** Pool slabs pushed in lending mode and not given back yet. */
  readonly #lent = new Set<ArrayBufferLike>();

  constructor(stores: ObjectStores, source: ObjectSource, spans: SegmentSpan[], lend: boolean) {
    super({ highWaterMark: 1 << 20 });
    this.#stores = stores;
    this.#source = source;
    this.#spans = spans;
    this.#ahead = stores.crypto ? WORKER_STEPS_AHEAD : MAIN_STEPS_AHEAD;
    this.#memory = { lend: lend && stores.crypto !== undefined, spare: [] };
  }

  /** Gives back a pushed chunk's slab once the consumer is done with its bytes (lending mode; otherwise nothing). */
  giveBack(chunk: Buffer): void {
    if (this.#lent.delete(chunk.buffer)) this.#stores.crypto?.recycle(chunk.buffer as SharedArrayBuffer);
  }

  /** The next step and its segment, opening the next segment when the current one has no more; undefined at the end. */
  async #nextStep(): Promise<{ step: ReadStep; segment: OpenSegment } | undefined> {
    for (;;) {
      if (this.destroyed) return undefined;
      if (!this.#segment) {
        const span = this.#spans.shift();
        if (!span) return undefined;
        const handle = span.segment.inline ? inlineBlobHandle(span.segment.inline) : await this.#stores.blobs.openRead(span.segment.blobId);
        // Set before planning: a stream destroyed meanwhile closes it (#close waits for the planning).
        const segment: OpenSegment = { handle, running: 0, exhausted: false };
        this.#segment = segment;
        segment.plan = await planSegment(handle, this.#stores, this.#source, span.segment, span.start, span.end, this.#memory);
      }
      const segment = this.#segment;
      const next = segment.plan!.steps.next();
      if (next.done) {
        this.#segment = undefined;
        segment.exhausted = true;
        if (segment.running === 0) await closeSegment(segment);
        continue;
      }
      segment.running++;
      return { step: next.value, segment };
    }
  }

  /** Plans one more step and starts it; its delivery joins the queue in order. */
  #enqueue(): void {
    const planned = this.#planned.then(() => this.#nextStep());
    this.#planned = planned;
    const task = planned.then(async (next) => {
      if (!next) return undefined;
      try {
        return await next.step.run(next.segment.handle);
      } finally {
        next.segment.running--;
        if (next.segment.exhausted && next.segment.running === 0) await closeSegment(next.segment);
      }
    });
    // Failures are seen in order when the pump reaches the step; until then they are not "unhandled".
    task.catch(() => {});
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task)).catch(() => {});
    this.#queue.push(task);
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
        while (this.#queue.length < this.#ahead) this.#enqueue();
        const delivery = await this.#queue.shift();
        if (this.destroyed) {
          this.#release(delivery);
          return;
        }
        if (!delivery) {
          this.push(null);
          return;
        }
        if (delivery.slab) this.#lent.add(delivery.slab);
        for (const chunk of delivery.chunks) wanted = this.push(chunk);
      }
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#reading = false;
    }
  }

  /** Returns the slab of a delivery that was never pushed. */
  #release(delivery: Delivery | undefined): void {
    if (delivery?.slab) this.#stores.crypto?.recycle(delivery.slab);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.#close(error, callback);
  }

  /** Waits for the steps in flight (their reads and worker requests), then closes the open segment; the destroy callback runs last. */
  async #close(error: Error | null, callback: (error?: Error | null) => void): Promise<void> {
    try {
      await this.#settle();
    } catch {
      // Closing a segment that failed is best effort.
    }
    this.#segment = undefined;
    callback(error);
  }

  async #settle(): Promise<void> {
    // The stream is being destroyed: a failed step changes nothing, its error was seen (or is moot).
    await this.#planned.catch(() => undefined);
    for (const task of this.#queue.splice(0)) this.#release(await task.catch(() => undefined));
    await Promise.allSettled(this.#running);
    if (this.#segment) await closeSegment(this.#segment);
  }
}

/** An object's plaintext stream; in lending mode its consumer gives each chunk back once written (see {@link sendObject}). */
export type ObjectStream = Readable & { giveBack(chunk: Buffer): void };

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
export function createObjectStream(stores: ObjectStores, source: ObjectSource, range?: { start: number; end: number }, options: { lend?: boolean } = {}): ObjectStream {
  const total = source.segments.reduce((sum, segment) => sum + segment.size, 0);
  const start = range?.start ?? 0;
  const end = range?.end ?? total - 1;
  // The blobs stay on disk until this stream closes, even if the object is replaced or deleted meanwhile.
  const release = stores.blobs.retain(source.segments.map((segment) => segment.blobId));
  const stream = new ObjectReadable(stores, source, spansOf(source.segments, start, end), options.lend ?? false);
  stream.once('close', release);
  return stream;
}
