/** Package stream round trips, chunking, size arithmetic and range decryption of only the needed span. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import {
  HEADER_SIZE,
  PACKAGE_SIZE,
  STORED_PACKAGE_SIZE,
  TAG_SIZE,
  createDecryptStream,
  createEncryptStream,
  decryptBuffer,
  encryptBuffer,
  plainSizeOf,
  storedSize,
  storedSpanForRange,
} from '../../core/crypto/index.ts';
import type { Transform } from 'node:stream';

const context = 'bucket-1250000000/photos/a.jpg#part=0#upload=';

/** Splits `data` into chunks of the given sizes (cycled), pipes them through `transform`, and returns the output. */
async function run(transform: Transform, data: Buffer, sizes: number[] = [data.length || 1]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

const sizes = [0, 1, 65535, 65536, 65537, 3 * PACKAGE_SIZE, 3 * PACKAGE_SIZE + 1, 1_000_003];

describe('package stream size arithmetic', () => {
  it('storedSize and plainSizeOf are inverse for every tested size', () => {
    for (const size of [...sizes, 2, 131071, 131072, 131073, 5 * 1024 * 1024]) {
      const stored = storedSize(size);
      assert.equal(stored, HEADER_SIZE + size + Math.max(1, Math.ceil(size / PACKAGE_SIZE)) * TAG_SIZE);
      assert.equal(plainSizeOf(stored), size);
    }
  });

  it('plainSizeOf rejects lengths no encryptor writes', () => {
    for (const stored of [0, HEADER_SIZE, HEADER_SIZE + TAG_SIZE - 1, HEADER_SIZE + STORED_PACKAGE_SIZE + TAG_SIZE, HEADER_SIZE + STORED_PACKAGE_SIZE + 3]) {
      assert.throws(() => plainSizeOf(stored), { code: 'DataIntegrityError' });
    }
  });

  it('storedSpanForRange covers exactly the touched packages', () => {
    const plainSize = 3 * PACKAGE_SIZE + 10;
    assert.deepEqual(storedSpanForRange(plainSize, 0, 0), { offset: HEADER_SIZE, length: STORED_PACKAGE_SIZE, firstPackage: 0, lastPackage: 0, skip: 0 });
    assert.deepEqual(storedSpanForRange(plainSize, PACKAGE_SIZE - 1, PACKAGE_SIZE), {
      offset: HEADER_SIZE,
      length: 2 * STORED_PACKAGE_SIZE,
      firstPackage: 0,
      lastPackage: 1,
      skip: PACKAGE_SIZE - 1,
    });
    assert.deepEqual(storedSpanForRange(plainSize, 3 * PACKAGE_SIZE, plainSize - 1), {
      offset: HEADER_SIZE + 3 * STORED_PACKAGE_SIZE,
      length: 10 + TAG_SIZE,
      firstPackage: 3,
      lastPackage: 3,
      skip: 0,
    });
    const whole = storedSpanForRange(plainSize, 0, plainSize - 1);
    assert.equal(whole.offset + whole.length, storedSize(plainSize));
    assert.throws(() => storedSpanForRange(plainSize, 5, 4), { code: 'InvalidArgument' });
    assert.throws(() => storedSpanForRange(plainSize, 0, plainSize), { code: 'InvalidArgument' });
    assert.throws(() => storedSpanForRange(0, 0, 0), { code: 'InvalidArgument' });
  });
});

describe('package stream round trips', () => {
  for (const size of sizes) {
    it(`round-trips ${size} bytes through the streams and the buffer functions`, async () => {
      const dataKey = randomBytes(32);
      const plain = randomBytes(size);
      const stored = await run(createEncryptStream({ dataKey, context }), plain);
      assert.equal(stored.length, storedSize(size));
      assert.deepEqual(await run(createDecryptStream({ dataKey, context, plainSize: size }), stored), plain);
      assert.deepEqual(decryptBuffer(stored, { dataKey, context }), plain);
      const noncePrefix = stored.subarray(8, 16);
      assert.deepEqual(encryptBuffer(plain, { dataKey, context, noncePrefix }), stored, 'stream and buffer encryption agree');
    });
  }

  it('empty plaintext still yields one authenticated final package', async () => {
    const dataKey = randomBytes(32);
    const stored = await run(createEncryptStream({ dataKey, context }), Buffer.alloc(0));
    assert.equal(stored.length, HEADER_SIZE + TAG_SIZE);
    assert.equal((await run(createDecryptStream({ dataKey, context, plainSize: 0 }), stored)).length, 0);
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(run(createDecryptStream({ dataKey, context, plainSize: 0 }), tampered), { code: 'DataIntegrityError' });
    await assert.rejects(run(createDecryptStream({ dataKey, context, plainSize: 0 }), stored.subarray(0, HEADER_SIZE)), { code: 'DataIntegrityError' });
  });

  it('is independent of how input and stored bytes are chunked', async () => {
    const dataKey = randomBytes(32);
    const plain = randomBytes(5 * PACKAGE_SIZE + 12345);
    const reference = encryptBuffer(plain, { dataKey, context, noncePrefix: Buffer.alloc(8, 7) });
    for (const chunking of [[1, 7, 65535], [65536], [65537, 3], [100_000, 1], [13, 4096, 70_000, 65520]]) {
      const stored = await run(createEncryptStream({ dataKey, context, noncePrefix: Buffer.alloc(8, 7) }), plain, chunking);
      assert.deepEqual(stored, reference, `encrypt chunking ${chunking.join(',')}`);
      const decrypted = await run(createDecryptStream({ dataKey, context, plainSize: plain.length }), stored, chunking);
      assert.deepEqual(decrypted, plain, `decrypt chunking ${chunking.join(',')}`);
    }
  });

  it('round-trips a random large object (32 MiB + random tail) with random chunk sizes', async () => {
    const dataKey = randomBytes(32);
    const plain = randomBytes(32 * 1024 * 1024 + Math.floor(Math.random() * PACKAGE_SIZE * 2));
    const chunking = Array.from({ length: 50 }, () => 1 + Math.floor(Math.random() * 300_000));
    const stored = await run(createEncryptStream({ dataKey, context }), plain, chunking);
    assert.equal(stored.length, storedSize(plain.length));
    assert.ok(plain.equals(await run(createDecryptStream({ dataKey, context, plainSize: plain.length }), stored, chunking.toReversed())));
  });

  it('honours backpressure: a writer is told to wait while nobody reads', () => {
    const dataKey = randomBytes(32);
    const plainSize = 64 * PACKAGE_SIZE;
    const stored = encryptBuffer(randomBytes(plainSize), { dataKey, context });
    const cases: Array<[Transform, Buffer]> = [
      [createEncryptStream({ dataKey, context }), Buffer.alloc(plainSize)],
      [createDecryptStream({ dataKey, context, plainSize }), stored],
    ];
    for (const [stream, input] of cases) {
      let errored = false;
      stream.on('error', () => (errored = true));
      let written = 0;
      while (written < input.length) {
        const more = stream.write(input.subarray(written, written + PACKAGE_SIZE));
        written += PACKAGE_SIZE;
        if (!more) break;
      }
      assert.ok(written < 16 * PACKAGE_SIZE, `write() kept returning true for ${written} bytes`);
      assert.ok(stream.readableLength > 0 && !errored, 'output is waiting for a reader, not an error');
      stream.destroy();
    }
  });

  it('uses a fresh random nonce prefix per stream', () => {
    const dataKey = randomBytes(32);
    const a = encryptBuffer(Buffer.from('same'), { dataKey, context });
    const b = encryptBuffer(Buffer.from('same'), { dataKey, context });
    assert.notDeepEqual(a.subarray(8, 16), b.subarray(8, 16));
    assert.notDeepEqual(a, b);
  });

  it('rejects bad keys and empty contexts up front', () => {
    assert.throws(() => createEncryptStream({ dataKey: randomBytes(16), context }), { code: 'InvalidArgument' });
    assert.throws(() => createEncryptStream({ dataKey: randomBytes(32), context: '' }), { code: 'InvalidArgument' });
    assert.throws(() => createDecryptStream({ dataKey: randomBytes(31), context, plainSize: 1 }), { code: 'InvalidArgument' });
  });
});

describe('range decryption reads only the span', () => {
  const dataKey = randomBytes(32);
  const plain = randomBytes(4 * PACKAGE_SIZE + 777);
  const stored = encryptBuffer(plain, { dataKey, context });
  const header = stored.subarray(0, HEADER_SIZE);
  const P = PACKAGE_SIZE;
  const ranges: Array<[number, number]> = [
    [0, 0],
    [0, P - 1],
    [P - 1, P - 1],
    [P - 1, P],
    [P, 2 * P - 1],
    [P, P],
    [10, 3 * P + 5],
    [2 * P - 1, 3 * P],
    [4 * P, 4 * P + 776],
    [4 * P + 776, 4 * P + 776],
    [123, plain.length - 1],
    [0, plain.length - 1],
  ];

  for (const [start, end] of ranges) {
    it(`bytes=${start}-${end} from header + span, and from the span with the header passed separately`, async () => {
      const span = storedSpanForRange(plain.length, start, end);
      const bytes = stored.subarray(span.offset, span.offset + span.length);
      const expected = plain.subarray(start, end + 1);
      const range = { start, end };
      const inBand = await run(createDecryptStream({ dataKey, context, plainSize: plain.length, range }), Buffer.concat([header, bytes]), [4099]);
      assert.deepEqual(inBand, expected);
      const outOfBand = await run(createDecryptStream({ dataKey, context, plainSize: plain.length, range, header }), bytes, [P + TAG_SIZE]);
      assert.deepEqual(outOfBand, expected);
      assert.deepEqual(decryptBuffer(bytes, { dataKey, context, plainSize: plain.length, range, header }), expected);
    });
  }

  it('errors when the span is short or followed by extra bytes', async () => {
    const range = { start: P + 1, end: 2 * P + 1 };
    const span = storedSpanForRange(plain.length, range.start, range.end);
    const opts = { dataKey, context, plainSize: plain.length, range, header };
    await assert.rejects(run(createDecryptStream(opts), stored.subarray(span.offset, span.offset + span.length - 1)), { code: 'DataIntegrityError' });
    await assert.rejects(run(createDecryptStream(opts), stored.subarray(span.offset, span.offset + span.length + 1)), { code: 'DataIntegrityError' });
    await assert.rejects(run(createDecryptStream(opts), stored.subarray(span.offset + STORED_PACKAGE_SIZE, span.offset + span.length + STORED_PACKAGE_SIZE)), {
      code: 'DataIntegrityError',
    });
  });
});
