/** The body of one crypto worker thread: hashes, seals and opens 1 MiB steps of package streams in shared memory. */
import type { KeyObject } from 'node:crypto';
import type { MessagePort } from 'node:worker_threads';

/** Constants a worker gets as `workerData` (the format offsets of core/crypto and the CRC-64 kernel). */
export interface CryptoWorkerSetup {
  packageSize: number;
  storedPackageSize: number;
  tagSize: number;
  nonceSequenceOffset: number;
  aadSequenceOffset: number;
  aadFinalOffset: number;
  crc: { bytes: Uint8Array; tables: Uint8Array; stageOffset: number; stageSize: number };
  /** Bytes of cipher output after which the worker collects its young generation (the garbage buffers). */
  collectEvery: number;
}

/** Starts a job: its data key (absent when it does not encrypt), nonce and AAD templates, and which digests it keeps. */
export interface BeginMessage {
  type: 'begin';
  id: number;
  dataKey?: Uint8Array;
  nonce?: Uint8Array;
  aad?: Uint8Array;
  /** Sealing: hash the plaintext with MD5, SHA-256, CRC-64 (each job of a body takes some, on different workers). */
  md5: boolean;
  sha256: boolean;
  crc64: boolean;
}

/**
 * Seal a step: `slab` holds `count` packages of plaintext, package i at i × `stride` (the last one `lastLength`
 * bytes). Each is hashed as the job asks and, with a key, sealed into `out` at the same offset (ciphertext, then the
 * tag). `slab` is only read, so two jobs may work on it at once. `final` marks the step's last package final; the
 * reply then carries the job's digests.
 */
export interface SealMessage {
  type: 'seal';
  id: number;
  slab: SharedArrayBuffer;
  out?: SharedArrayBuffer;
  stride: number;
  count: number;
  lastLength: number;
  final: boolean;
}

/**
 * Open a step: `slab` holds `count` stored packages starting with package `first` (the last one `lastLength` stored
 * bytes); `finalSequence` is the stream's final package. The joined plaintext goes into `out` from offset 0; the
 * reply gives its length, or the package whose tag failed (then `out` holds nothing the caller may use).
 */
export interface OpenMessage {
  type: 'open';
  id: number;
  slab: SharedArrayBuffer;
  out: SharedArrayBuffer;
  first: number;
  count: number;
  lastLength: number;
  finalSequence: number;
}

/** Ends a job (its key is zeroed). */
export interface EndMessage {
  type: 'end';
  id: number;
}

/** What the pool sends to a worker. */
export type CryptoRequest = BeginMessage | SealMessage | OpenMessage | EndMessage;

/** A worker's answer to `seal` or `open` (in the order the requests arrived). */
export interface CryptoReply {
  id: number;
  /** Final seal: the digests the job keeps (MD5 16 bytes, CRC-64, SHA-256 hex). */
  digests?: { md5?: Uint8Array; crc64?: bigint; sha256Hex?: string };
  /** Open: bytes of verified plaintext written into `out`. */
  length?: number;
  /** Open: the sequence number of a package whose tag failed (nothing of the step is returned). */
  failedPackage?: number;
}

/**
 * Runs in the worker. It is started from its own source text (`eval`), so it must not refer to anything outside its
 * body: it loads what it needs with `process.getBuiltinModule` and gets the format constants as `setup`. An unknown message throws,
 * which ends the worker (the pool then fails the jobs it held and starts a new one).
 */
export function cryptoWorkerMain(setup: CryptoWorkerSetup): void {
  // getBuiltinModule, not require: a bundler would rewrite a require() here into a helper the worker does not have.
  const { createCipheriv, createDecipheriv, createHash, createSecretKey } = process.getBuiltinModule('node:crypto');
  const parentPort = process.getBuiltinModule('node:worker_threads').parentPort as MessagePort;
  // Each cipher call returns a fresh 64 KiB buffer, and V8 collects those only once ~64 MiB of them piled up since the
  // last collection: each worker kept that much garbage (its malloc arena stayed that large). A young-generation
  // collection after every few MiB of output keeps it to a few MiB for well under 0.1 ms of CPU per MiB. `gc` comes
  // from a context made while the flag is on (the flag is turned off again at once); without it nothing changes.
  const v8 = process.getBuiltinModule('node:v8');
  let collect: ((options: { type: 'minor' }) => void) | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    collect = process.getBuiltinModule('node:vm').runInNewContext('gc') as typeof collect;
  } catch {
    collect = undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  let sinceCollect = 0;
  const produced = (bytes: number): void => {
    sinceCollect += bytes;
    if (sinceCollect < setup.collectEvery) return;
    sinceCollect = 0;
    collect?.({ type: 'minor' });
  };
  const wasm = (globalThis as unknown as { WebAssembly: { Instance: new (module: object) => { exports: unknown }; Module: new (bytes: Uint8Array) => object } }).WebAssembly;
  const kernel = new wasm.Instance(new wasm.Module(setup.crc.bytes)).exports as { m: { buffer: ArrayBuffer }; crc: (pointer: number, length: number, state: bigint) => bigint };
  const heap = new Uint8Array(kernel.m.buffer);
  heap.set(setup.crc.tables, 0);
  const mask = 0xffffffffffffffffn;
  const crcUpdate = (state: bigint, data: Uint8Array): bigint => {
    for (let offset = 0; offset < data.length; offset += setup.crc.stageSize) {
      const piece = data.subarray(offset, Math.min(offset + setup.crc.stageSize, data.length));
      heap.set(piece, setup.crc.stageOffset);
      state = BigInt.asUintN(64, kernel.crc(setup.crc.stageOffset, piece.length, state));
    }
    return state;
  };

  interface Job {
    key: KeyObject | undefined;
    raw: Buffer | undefined;
    nonce: Buffer;
    aad: Buffer;
    sequence: number;
    md5: import('node:crypto').Hash | undefined;
    sha: import('node:crypto').Hash | undefined;
    /** The CRC-64 register (initial value and final xor are all ones), when the job keeps it. */
    crc: bigint | undefined;
  }
  const jobs = new Map<number, Job>();
  const setSequence = (job: Job, sequence: number, final: boolean): void => {
    job.nonce.writeUInt32BE(sequence, setup.nonceSequenceOffset);
    job.aad.writeUInt32BE(sequence, setup.aadSequenceOffset);
    job.aad[setup.aadFinalOffset] = final ? 1 : 0;
  };

  const seal = (job: Job, message: SealMessage): CryptoReply => {
    const slab = Buffer.from(message.slab);
    const out = message.out ? Buffer.from(message.out) : undefined;
    for (let index = 0; index < message.count; index++) {
      const length = index === message.count - 1 ? message.lastLength : setup.packageSize;
      const offset = index * message.stride;
      const plain = slab.subarray(offset, offset + length);
      job.md5?.update(plain);
      job.sha?.update(plain);
      if (job.crc !== undefined) job.crc = crcUpdate(job.crc, plain);
      if (!job.key || !out) continue;
      setSequence(job, job.sequence++, message.final && index === message.count - 1);
      const cipher = createCipheriv('aes-256-gcm', job.key, job.nonce, { authTagLength: setup.tagSize });
      cipher.setAAD(job.aad);
      out.set(cipher.update(plain), offset);
      cipher.final();
      out.set(cipher.getAuthTag(), offset + length);
    }
    if (!message.final) return { id: message.id };
    return {
      id: message.id,
      digests: {
        ...(job.md5 ? { md5: job.md5.digest() } : {}), ...(job.crc !== undefined ? { crc64: job.crc ^ mask } : {}), ...(job.sha ? { sha256Hex: job.sha.digest('hex') } : {}),
      },
    };
  };

  const open = (job: Job, message: OpenMessage): CryptoReply => {
    const slab = Buffer.from(message.slab);
    const out = Buffer.from(message.out);
    let offset = 0;
    let written = 0;
    for (let index = 0; index < message.count; index++) {
      const sequence = message.first + index;
      const stored = index === message.count - 1 ? message.lastLength : setup.storedPackageSize;
      setSequence(job, sequence, sequence === message.finalSequence);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', job.key!, job.nonce, { authTagLength: setup.tagSize });
        decipher.setAAD(job.aad);
        decipher.setAuthTag(slab.subarray(offset + stored - setup.tagSize, offset + stored));
        // update() releases plaintext before the tag is checked: it reaches shared memory only after final() succeeded.
        plain = decipher.update(slab.subarray(offset, offset + stored - setup.tagSize));
        decipher.final();
      } catch {
        return { id: message.id, failedPackage: sequence };
      }
      out.set(plain, written);
      written += plain.length;
      offset += stored;
    }
    return { id: message.id, length: written };
  };

  parentPort.on('message', (message: CryptoRequest) => {
    switch (message.type) {
      case 'begin': {
        const raw = message.dataKey ? Buffer.from(message.dataKey) : undefined;
        jobs.set(message.id, {
          key: raw ? createSecretKey(raw) : undefined, raw, nonce: Buffer.from(message.nonce ?? []), aad: Buffer.from(message.aad ?? []), sequence: 0,
          md5: message.md5 ? createHash('md5') : undefined, sha: message.sha256 ? createHash('sha256') : undefined, crc: message.crc64 ? mask : undefined,
        });
        message.dataKey?.fill(0);
        return;
      }
      case 'seal': {
        const job = jobs.get(message.id)!;
        parentPort.postMessage(seal(job, message), []);
        if (job.key && message.out) produced(message.count * setup.packageSize);
        return;
      }
      case 'open': {
        const reply = open(jobs.get(message.id)!, message);
        parentPort.postMessage(reply, []);
        produced(reply.length ?? 0);
        return;
      }
      case 'end':
        jobs.get(message.id)?.raw?.fill(0);
        jobs.delete(message.id);
        return;
      default:
        throw new Error(`crypto worker: unknown message ${JSON.stringify(message)}`);
    }
  });
}
