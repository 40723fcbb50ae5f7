/** Every tampering of a package stream errors with DataIntegrityError and releases no byte of the damaged package. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { HEADER_SIZE, PACKAGE_SIZE, STORED_PACKAGE_SIZE, createDecryptStream, decryptBuffer, encryptBuffer, storedSpanForRange } from '../../core/crypto/index.ts';
import type { DecryptOptions } from '../../core/crypto/index.ts';

const context = 'bucket-1250000000/docs/report.pdf#part=0#upload=';
const dataKey = randomBytes(32);
const plain = randomBytes(4 * PACKAGE_SIZE + 1000);
const stored = encryptBuffer(plain, { dataKey, context });
const packageCount = 5;

/** Stored bytes of package `n` of `bytes`. */
function packageOf(bytes: Buffer, n: number): Buffer {
  const start = HEADER_SIZE + n * STORED_PACKAGE_SIZE;
  return bytes.subarray(start, Math.min(start + STORED_PACKAGE_SIZE, bytes.length));
}

function splitPackages(bytes: Buffer): Buffer[] {
  return Array.from({ length: packageCount }, (_, n) => packageOf(bytes, n));
}

/** Decrypts `input` as a stream (in 1000-byte chunks) and returns what came out before the error, plus the error. */
async function attempt(input: Buffer, options: Partial<DecryptOptions> = {}): Promise<{ output: Buffer; error: unknown }> {
  const out: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += 1000) chunks.push(input.subarray(offset, offset + 1000));
  let error: unknown;
  try {
    await pipeline(
      Readable.from(chunks),
      createDecryptStream({ dataKey, context, plainSize: plain.length, ...options }),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out.push(chunk);
          callback();
        },
      }),
    );
  } catch (caught) {
    error = caught;
  }
  return { output: Buffer.concat(out), error };
}

/**
 * Asserts the decryption failed with DataIntegrityError and released only authentic plaintext of
 * packages before `damaged` (nothing of the damaged package or later).
 */
async function assertRejected(input: Buffer, damaged: number, options: Partial<DecryptOptions> = {}, expected: Buffer = plain): Promise<void> {
  const { output, error } = await attempt(input, options);
  assert.equal((error as { code?: string } | undefined)?.code, 'DataIntegrityError', `expected DataIntegrityError, got ${String(error)}`);
  assert.ok(output.length <= damaged * PACKAGE_SIZE, `released ${output.length} bytes, more than the ${damaged} packages before the damage`);
  assert.ok(output.equals(expected.subarray(0, output.length)), 'released bytes are authentic plaintext');
  assert.throws(() => decryptBuffer(input, { dataKey, context, plainSize: plain.length, ...options }), { code: 'DataIntegrityError' });
}

function flip(bytes: Buffer, offset: number, bit = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset]! ^= 1 << bit;
  return copy;
}

describe('tampering is detected', () => {
  it('the untouched stream decrypts (control)', async () => {
    const { output, error } = await attempt(stored);
    assert.equal(error, undefined);
    assert.ok(output.equals(plain));
  });

  it('bit flips in every header byte', async () => {
    for (let offset = 0; offset < HEADER_SIZE; offset++) await assertRejected(flip(stored, offset, offset % 8), 0);
  });

  it('bit flips in ciphertext and tag of the first, a middle and the final package', async () => {
    for (const n of [0, 2, 4]) {
      const start = HEADER_SIZE + n * STORED_PACKAGE_SIZE;
      const length = packageOf(stored, n).length;
      await assertRejected(flip(stored, start), n);
      await assertRejected(flip(stored, start + 517, 5), n);
      await assertRejected(flip(stored, start + length - 17, 7), n);
      await assertRejected(flip(stored, start + length - 1), n);
      await assertRejected(flip(stored, start + length - 16, 3), n);
    }
  });

  it('truncation mid-package, at a package boundary, and dropping the final package', async () => {
    await assertRejected(stored.subarray(0, HEADER_SIZE - 1), 0);
    await assertRejected(stored.subarray(0, HEADER_SIZE + 100), 0);
    await assertRejected(stored.subarray(0, stored.length - 1), 4);
    await assertRejected(stored.subarray(0, HEADER_SIZE + 2 * STORED_PACKAGE_SIZE + 5), 2);
    // Boundary cut: the reader expects package 2 and gets end of input.
    await assertRejected(stored.subarray(0, HEADER_SIZE + 2 * STORED_PACKAGE_SIZE), 2);
    // Final package dropped.
    await assertRejected(stored.subarray(0, HEADER_SIZE + 4 * STORED_PACKAGE_SIZE), 4);
  });

  it('truncation at a boundary with the plain size rewritten to match (non-final package presented as final)', async () => {
    const cut = stored.subarray(0, HEADER_SIZE + 2 * STORED_PACKAGE_SIZE);
    const { output, error } = await attempt(cut, { plainSize: 2 * PACKAGE_SIZE });
    assert.equal((error as { code?: string }).code, 'DataIntegrityError');
    assert.ok(output.length <= PACKAGE_SIZE && output.equals(plain.subarray(0, output.length)));
    assert.throws(() => decryptBuffer(cut, { dataKey, context }), { code: 'DataIntegrityError' });
  });

  it('extra bytes appended after the final package', async () => {
    await assertRejected(Buffer.concat([stored, Buffer.from([0])]), 5);
    await assertRejected(Buffer.concat([stored, packageOf(stored, 4)]), 5);
  });

  it('reordered packages', async () => {
    const packages = splitPackages(stored);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), packages[1]!, packages[0]!, ...packages.slice(2)]), 0);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), packages[0]!, packages[2]!, packages[1]!, packages[3]!, packages[4]!]), 1);
  });

  it('a duplicated package', async () => {
    const packages = splitPackages(stored);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), packages[0]!, packages[1]!, packages[1]!, packages[2]!, packages[3]!, packages[4]!]), 2);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), packages[0]!, packages[0]!, ...packages.slice(2)]), 1);
  });

  it('a package spliced from another object with the same key but a different context', async () => {
    const other = encryptBuffer(plain, { dataKey, context: context.replace('report', 'other'), noncePrefix: stored.subarray(8, 16) });
    const packages = splitPackages(stored);
    packages[3] = packageOf(other, 3);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), ...packages]), 3);
  });

  it('a package spliced from another stream of the same key and context (different nonce prefix)', async () => {
    const other = encryptBuffer(plain, { dataKey, context });
    const packages = splitPackages(stored);
    packages[1] = packageOf(other, 1);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), ...packages]), 1);
    // The other stream's header in front of our packages.
    await assertRejected(Buffer.concat([other.subarray(0, HEADER_SIZE), ...splitPackages(stored)]), 0);
  });

  it('a package spliced from an object under another key', async () => {
    const other = encryptBuffer(plain, { dataKey: randomBytes(32), context, noncePrefix: stored.subarray(8, 16) });
    const packages = splitPackages(stored);
    packages[2] = packageOf(other, 2);
    await assertRejected(Buffer.concat([stored.subarray(0, HEADER_SIZE), ...packages]), 2);
    await assertRejected(stored, 0, { dataKey: randomBytes(32) });
  });

  it('the wrong context or a wrong header in a ranged read', async () => {
    await assertRejected(stored, 0, { context: context + 'x' });
    const span = storedSpanForRange(plain.length, 2 * PACKAGE_SIZE + 3, 3 * PACKAGE_SIZE + 3);
    const bytes = stored.subarray(span.offset, span.offset + span.length);
    const range = { start: 2 * PACKAGE_SIZE + 3, end: 3 * PACKAGE_SIZE + 3 };
    const expected = plain.subarray(range.start);
    await assertRejected(bytes, 0, { range, header: flip(stored.subarray(0, HEADER_SIZE), 12) }, expected);
    await assertRejected(flip(bytes, STORED_PACKAGE_SIZE + 40), 1, { range, header: stored.subarray(0, HEADER_SIZE) }, expected);
    // A span read from the wrong offset (package 1 presented as package 2).
    const shifted = stored.subarray(span.offset - STORED_PACKAGE_SIZE, span.offset + span.length - STORED_PACKAGE_SIZE);
    await assertRejected(shifted, 0, { range, header: stored.subarray(0, HEADER_SIZE) }, expected);
  });
});
