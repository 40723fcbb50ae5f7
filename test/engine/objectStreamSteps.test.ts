/** The object stream's worker steps: replies that complete out of order across two workers still leave in order, lent slabs come back, and a failed tag emits nothing of its step. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { encryptBuffer } from '../../core/crypto/index.ts';
import { CryptoPool, type CryptoJob } from '../../core/engine/content/cryptoPool.ts';
import { sendObject } from '../../core/engine/content/objectSender.ts';
import { createObjectStream, type ObjectStores } from '../../core/engine/content/objectStream.ts';
import { segmentContext } from '../../core/engine/keys/dataKeys.ts';
import type { SegmentRow, SseRecord } from '../../core/engine/storage/engineIndex.ts';

const MiB = 1024 * 1024;
const BUCKET = 'steps-1250000000';
const KEY = 'ordered.bin';
const BLOB = 'b0';

/** One stored encrypted segment held in memory, read through a handle with positional `read` like a blob file. */
function storedObject(plain: Buffer): { stored: Buffer; dataKey: Buffer; segment: SegmentRow } {
  const dataKey = randomBytes(32);
  const stored = encryptBuffer(plain, { dataKey: Buffer.from(dataKey), context: segmentContext(BUCKET, KEY, null, 0, BLOB) });
  const segment = {
    blobId: BLOB, objectId: 'o', uploadId: null, partNumber: 0, seq: 0, bucket: BUCKET, key: KEY, size: plain.length, md5: '', crc64: '0', modified: 0,
    sealedKey: 'sealed', sealKeyId: 'sse-cos', sealVersion: 1,
  } as unknown as SegmentRow;
  return { stored, dataKey, segment };
}

/**
 * The pool with every reply of the first worker's jobs held back until the other worker answered a later step, so
 * steps complete out of order; `completed` records the first package of each step in the order the replies arrived.
 */
function reorderingPool(pool: CryptoPool, completed: number[]): CryptoPool {
  const held: (() => void)[] = [];
  let fast: CryptoJob | undefined;
  const wrap = (job: CryptoJob, slow: boolean): CryptoJob => new Proxy(job, {
    get(target, property) {
      if (property === 'open') {
        return async (...args: Parameters<CryptoJob['open']>) => {
          const reply = await target.open(...args);
          // Held while the other worker still has a step to answer (else nothing would release it).
          if (slow && fast && fast.pending > 0) await new Promise<void>((resolve) => held.push(resolve));
          else if (!slow) for (const release of held.splice(0)) setImmediate(release);
          completed.push(args[2]);
          return reply;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const real = new Map<CryptoJob, CryptoJob>();
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'begin') {
        return (options: Parameters<CryptoPool['begin']>[0], beside?: CryptoJob) => {
          const job = target.begin(options, beside ? real.get(beside) : undefined);
          if (beside) fast = job;
          const wrapped = wrap(job, beside === undefined);
          real.set(wrapped, job);
          return wrapped;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function stores(stored: Buffer, dataKey: Buffer, crypto: CryptoPool): ObjectStores {
  return {
    crypto,
    keys: { unseal: () => Buffer.from(dataKey) },
    blobs: {
      retain: () => () => {},
      openRead: async () => ({
        async read(buffer: Buffer, offset: number, length: number, position: number) {
          const bytesRead = stored.copy(buffer, offset, position, Math.min(stored.length, position + length));
          return { bytesRead, buffer };
        },
        async close() {},
      }),
    },
  } as unknown as ObjectStores;
}

/** Collects what `sendObject` writes, with each write callback deferred a turn (a socket that is not instant). */
function slowSink(): { sink: Writable; body: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      // Copied before the callback: after it the stream may reuse the slab.
      chunks.push(Buffer.from(chunk));
      setImmediate(callback);
    },
  });
  return { sink, body: () => Buffer.concat(chunks) };
}

describe('object stream steps on two crypto workers', () => {
  const pool = CryptoPool.start({ size: 2 });
  after(async () => {
    await pool?.close();
  });
  const record = { sseMode: 'AES256' } as unknown as SseRecord;

  it('steps that complete out of order across the two workers leave in order, whole and in ranges', { skip: !pool }, async () => {
    const plain = randomBytes(9 * MiB + 4321);
    const { stored, dataKey, segment } = storedObject(plain);
    for (const range of [undefined, { start: MiB - 7, end: 7 * MiB + 11 }, { start: 65_535, end: plain.length - 1 }]) {
      const completed: number[] = [];
      const stream = createObjectStream(stores(stored, dataKey, reorderingPool(pool!, completed)), { bucket: BUCKET, key: KEY, record, segments: [segment] }, range, { lend: true });
      const { sink, body } = slowSink();
      await sendObject(stream, sink);
      const expected = range ? plain.subarray(range.start, range.end + 1) : plain;
      assert.ok(body().equals(expected), `bytes of ${JSON.stringify(range)}`);
      assert.ok(completed.some((first, index) => index > 0 && first < completed[index - 1]!), `some step completed before an earlier one: ${completed.join(',')}`);
    }
  });

  it('a tag that fails in a later step emits the steps before it and nothing of that step', { skip: !pool }, async () => {
    const plain = randomBytes(6 * MiB);
    const { stored, dataKey, segment } = storedObject(plain);
    // A byte of package 16 × 3 + 5 (step 3) flipped.
    stored[16 + (3 * 16 + 5) * 65_552 + 10]! ^= 1;
    const completed: number[] = [];
    const stream = createObjectStream(stores(stored, dataKey, reorderingPool(pool!, completed)), { bucket: BUCKET, key: KEY, record, segments: [segment] });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const failure = await new Promise<Error>((resolve) => stream.once('error', resolve));
    assert.equal((failure as Error & { code?: string }).code, 'DataIntegrityError');
    assert.ok(Buffer.concat(chunks).equals(plain.subarray(0, 3 * MiB)), `only the three steps before the damage (${Buffer.concat(chunks).length} bytes)`);
  });
});
