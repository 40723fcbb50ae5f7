/** A small fixed pool of crypto worker threads, started with the engine and closed with it; a dead worker fails only its own jobs. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AAD_FINAL_OFFSET, AAD_SEQUENCE_OFFSET, NONCE_SEQUENCE_OFFSET, PACKAGE_SIZE, STORED_PACKAGE_SIZE, TAG_SIZE } from '../../crypto/index.ts';
import type { Logger } from '../../common/logger.ts';
import { cosError } from '../../protocol/cosError.ts';
import { crc64Implementation } from '../../protocol/crc64.ts';
import { crc64WasmSetup } from '../../protocol/crc64Wasm.ts';
import { cryptoWorkerMain, type BeginMessage, type CryptoReply, type CryptoRequest, type CryptoWorkerSetup, type OpenMessage, type SealMessage } from './cryptoWorkerMain.ts';

/** Packages per step handed to a worker: 1 MiB of plaintext. */
export const STEP_PACKAGES = 16;
/** Bytes of one shared slab: a whole step of stored packages. */
export const SLAB_SIZE = STEP_PACKAGES * STORED_PACKAGE_SIZE;
/**
 * Cipher output (bytes) after which a worker collects its young generation (see cryptoWorkerMain): 8 MiB. Every 4 MiB
 * cost about a third more worker CPU on a GET for ~10 MiB less peak RSS; every 16 MiB saved little more CPU than 8.
 */
const COLLECT_EVERY = 8 << 20;
/** Free slabs kept for reuse (more are allocated under load and dropped when returned). */
const KEPT_SLABS = 16;

/** One worker and the jobs pinned to it. */
export interface Slot {
  worker: Worker;
  jobs: Map<number, CryptoJob>;
}

/** The error a request gets when the worker holding its job stopped (the engine itself carries on). */
function workerStopped(): Error {
  return cosError('InternalError', 'An encryption worker of the engine stopped while it served this request; nothing was stored. Please try again.');
}

/**
 * One stream's work on one worker: `begin` went out when the job was made; `seal`/`open` replies come back in the order
 * of the requests. After the worker died every pending and later request rejects with InternalError.
 */
export class CryptoJob {
  readonly #slot: Slot;
  readonly #id: number;
  readonly #pending: { resolve: (reply: CryptoReply) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;
  #ended = false;

  constructor(slot: Slot, id: number, begin: Omit<BeginMessage, 'type' | 'id'>) {
    this.#slot = slot;
    this.#id = id;
    slot.jobs.set(id, this);
    const message: BeginMessage = { type: 'begin', id, ...begin };
    slot.worker.postMessage(message, []);
    // postMessage sent a copy; this one was made for the message only.
    message.dataKey?.fill(0);
  }

  /** Hashes (and seals into `out`) a step of `slab` (see {@link SealMessage}); the final one resolves with the digests. */
  seal(step: Omit<SealMessage, 'type' | 'id'>): Promise<CryptoReply> {
    return this.#request({ type: 'seal', id: this.#id, ...step });
  }

  /** The worker this job runs on. */
  get slot(): Slot {
    return this.#slot;
  }

  /** Opens a step of stored packages in `slab` into `out` (see {@link OpenMessage}). */
  open(slab: SharedArrayBuffer, out: SharedArrayBuffer, first: number, count: number, lastLength: number, finalSequence: number): Promise<CryptoReply> {
    const message: OpenMessage = { type: 'open', id: this.#id, slab, out, first, count, lastLength, finalSequence };
    return this.#request(message);
  }

  /** Requests sent and not answered yet (a stream with jobs on both workers gives the next step to the less busy one). */
  get pending(): number {
    return this.#pending.length;
  }

  /** Ends the job on its worker (the worker zeroes its key copy); requests still pending are answered first. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#failure) return;
    this.#slot.worker.postMessage({ type: 'end', id: this.#id } satisfies CryptoRequest, []);
    if (this.#pending.length === 0) this.#slot.jobs.delete(this.#id);
  }

  /** Called by the pool with each reply of this job's worker, in order. */
  deliver(reply: CryptoReply): void {
    this.#pending.shift()?.resolve(reply);
    if (this.#ended && this.#pending.length === 0) this.#slot.jobs.delete(this.#id);
  }

  /** Called by the pool when the worker died: every pending and later request rejects. */
  fail(error: Error): void {
    this.#failure = error;
    for (const waiter of this.#pending.splice(0)) waiter.reject(error);
  }

  #request(message: CryptoRequest): Promise<CryptoReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#slot.worker.postMessage(message, []);
    });
  }
}

/**
 * Worker threads for the data path: each large PUT or GET stream is pinned to the least busy worker, which hashes and
 * seals (or opens) its 1 MiB steps in shared slabs while the main thread reads the socket and the files. A worker that
 * dies (a crash, an out-of-memory end) fails the requests it was serving with InternalError and is replaced; the
 * engine and the other requests go on.
 */
export class CryptoPool {
  readonly #slots: Slot[] = [];
  readonly #free: SharedArrayBuffer[] = [];
  readonly #setup: CryptoWorkerSetup;
  readonly #logger: Logger | undefined;
  #ids = 0;
  #turn = 0;
  #closed = false;

  private constructor(size: number, logger: Logger | undefined) {
    this.#logger = logger;
    this.#setup = {
      packageSize: PACKAGE_SIZE, storedPackageSize: STORED_PACKAGE_SIZE, tagSize: TAG_SIZE,
      nonceSequenceOffset: NONCE_SEQUENCE_OFFSET, aadSequenceOffset: AAD_SEQUENCE_OFFSET, aadFinalOffset: AAD_FINAL_OFFSET, crc: crc64WasmSetup(),
      collectEvery: COLLECT_EVERY,
    };
    for (let index = 0; index < size; index++) {
      const slot: Slot = { worker: undefined as unknown as Worker, jobs: new Map() };
      this.#slots.push(slot);
      this.#spawn(slot);
    }
  }

  /**
   * Starts `size` workers (default: 2 when the machine has two cores or more, else none). Undefined when there would
   * be no worker or WebAssembly (the CRC-64 kernel) is missing: the engine then does this work on its main thread.
   */
  static start(options: { size?: number; logger?: Logger } = {}): CryptoPool | undefined {
    const size = options.size ?? (availableParallelism() >= 2 ? 2 : 0);
    if (size <= 0 || crc64Implementation() !== 'wasm') return undefined;
    return new CryptoPool(size, options.logger);
  }

  /** The live workers (tests stop one to prove a crash fails only its requests). */
  get workers(): readonly Worker[] {
    return this.#slots.map((slot) => slot.worker);
  }

  /**
   * A job on the least busy worker other than `beside`'s (when there is another); `dataKey` is copied to the worker,
   * which zeroes its copy at `end`.
   */
  begin(options: { dataKey?: Buffer; nonce?: Buffer; aad?: Buffer; md5?: boolean; sha256?: boolean; crc64?: boolean }, beside?: CryptoJob): CryptoJob {
    if (this.#closed) throw workerStopped();
    const candidates = this.#slots.length > 1 && beside ? this.#slots.filter((slot) => slot !== beside.slot) : this.#slots;
    const fewest = Math.min(...candidates.map((candidate) => candidate.jobs.size));
    const tied = candidates.filter((candidate) => candidate.jobs.size === fewest);
    // Ties go round: taking the first every time sent every body's MD5 job to one worker and every sealing job to
    // the other, so the parts of a multipart upload hashed MD5 one after another on one thread.
    const slot = tied[this.#turn++ % tied.length]!;
    return new CryptoJob(slot, ++this.#ids, {
      ...(options.dataKey ? { dataKey: new Uint8Array(options.dataKey) } : {}),
      ...(options.nonce ? { nonce: new Uint8Array(options.nonce) } : {}),
      ...(options.aad ? { aad: new Uint8Array(options.aad) } : {}),
      md5: options.md5 ?? false, sha256: options.sha256 ?? false, crc64: options.crc64 ?? false,
    });
  }

  /** A shared slab of {@link SLAB_SIZE} bytes (reused when one is free). */
  slab(): SharedArrayBuffer {
    return this.#free.pop() ?? new SharedArrayBuffer(SLAB_SIZE);
  }

  /** Returns a slab no thread uses any more. */
  recycle(slab: SharedArrayBuffer): void {
    if (this.#free.length < KEPT_SLABS) this.#free.push(slab);
  }

  /** Stops the workers; jobs still running fail with InternalError. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#free.length = 0;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(slot: Slot): void {
    const worker = new Worker(`(${cryptoWorkerMain.toString()})(process.getBuiltinModule('node:worker_threads').workerData)`, { eval: true, workerData: this.#setup });
    // Idle workers do not keep a process alive; requests in flight do (their sockets and files).
    worker.unref();
    slot.worker = worker;
    worker.on('message', (reply: CryptoReply) => slot.jobs.get(reply.id)?.deliver(reply));
    let failed = false;
    const fail = (why: string): void => {
      if (failed) return;
      failed = true;
      const error = workerStopped();
      for (const job of slot.jobs.values()) job.fail(error);
      slot.jobs.clear();
      if (this.#closed) return;
      this.#logger?.log('error', 'an engine crypto worker stopped; starting a new one', { reason: why });
      this.#spawn(slot);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit ${code}`));
  }
}
