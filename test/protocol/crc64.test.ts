/** Tests CRC-64/XZ (WASM and JS kernels) against a bitwise reference, streaming, combine and files. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { crc64, crc64Combine, crc64File, crc64Implementation, Crc64Hasher } from '../../core/protocol/crc64.ts';
import { createJsCrc64Kernel } from '../../core/protocol/crc64Js.ts';
import { crc64WasmBytes, createWasmCrc64Kernel } from '../../core/protocol/crc64Wasm.ts';

const MASK = 0xffffffffffffffffn;

/** Bit-at-a-time CRC-64/XZ, straight from the definition. */
function reference(data: Uint8Array): bigint {
  let crc = MASK;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
  }
  return crc ^ MASK;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc64', () => {
  it('matches the documented check values', () => {
    assert.equal(crc64(text('123456789')), 11051210869376104954n);
    assert.equal(crc64(text('123456789')), 0x995dc9bbdf1939fan);
    assert.equal(crc64(text('hello world')), 5981764153023615706n);
    assert.equal(crc64(new Uint8Array(0)), 0n);
    assert.equal(new Crc64Hasher().digestString(), '0');
  });

  it('runs on the WebAssembly kernel', () => {
    assert.equal(crc64Implementation(), 'wasm');
    assert.ok(WebAssembly.validate(crc64WasmBytes() as Uint8Array<ArrayBuffer>));
  });

  it('equals the bitwise reference for every length 0..300 at every alignment 0..7', () => {
    const pool = randomBytes(400);
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 300; length++) {
        const slice = pool.subarray(offset, offset + length);
        assert.equal(crc64(slice), reference(slice), `length ${length} offset ${offset}`);
      }
    }
  });

  it('equals the reference on large random buffers, including ones larger than the staging area', () => {
    for (const length of [4096, 65_537, (1 << 20) + 13, 3 * (1 << 20) + 5]) {
      const data = randomBytes(length);
      const expected = length <= 65_537 ? reference(data) : createJsCrc64Kernel()(data, MASK) ^ MASK;
      assert.equal(crc64(data), expected, `length ${length}`);
    }
    const data = randomBytes(200_003);
    assert.equal(crc64(data.subarray(3)), reference(data.subarray(3)));
  });

  it('both kernels agree on random data', () => {
    const wasm = createWasmCrc64Kernel()!;
    const js = createJsCrc64Kernel();
    for (let round = 0; round < 50; round++) {
      const data = randomBytes(Math.floor(Math.random() * 5000));
      const state = randomBytes(8).readBigUInt64LE();
      assert.equal(js(data, state), wasm(data, state));
      assert.equal(js(data, MASK) ^ MASK, reference(data));
    }
  });

  it('chunked updates equal one-shot', () => {
    const data = randomBytes(300_000);
    const whole = crc64(data);
    for (let round = 0; round < 20; round++) {
      const hasher = new Crc64Hasher();
      let offset = 0;
      while (offset < data.length) {
        const size = Math.floor(Math.random() * (round < 10 ? 40 : 70_000));
        hasher.update(data.subarray(offset, offset + size));
        offset += size;
      }
      assert.equal(hasher.digest(), whole);
      assert.equal(hasher.digestString(), whole.toString());
      assert.equal(hasher.length, data.length);
    }
    assert.equal(crc64(data.subarray(1000), crc64(data.subarray(0, 1000))), whole);
  });

  it('combines part CRCs for random splits', () => {
    const data = randomBytes(100_000);
    const whole = crc64(data);
    for (let round = 0; round < 30; round++) {
      const split = round === 0 ? 0 : round === 1 ? data.length : Math.floor(Math.random() * data.length);
      const a = data.subarray(0, split);
      const b = data.subarray(split);
      assert.equal(crc64Combine(crc64(a), crc64(b), b.length), whole, `split ${split}`);
    }
    const parts = [0, 1, 17, 40_000, 70_001, 100_000];
    let combined = 0n;
    for (let i = 1; i < parts.length; i++) {
      const part = data.subarray(parts[i - 1], parts[i]);
      combined = crc64Combine(combined, crc64(part), part.length);
    }
    assert.equal(combined, whole);
    assert.throws(() => crc64Combine(1n, 2n, -1), RangeError);
  });

  it('combines across lengths beyond 4 GiB (zero runs built by doubling)', () => {
    const a = text('prefix');
    const zeros = new Uint8Array(1 << 20);
    const zeroRuns = [crc64(zeros)]; // zeroRuns[k] = CRC of 2^(20+k) zero bytes
    for (let k = 1; k <= 13; k++) zeroRuns.push(crc64Combine(zeroRuns[k - 1]!, zeroRuns[k - 1]!, 2 ** (19 + k)));
    assert.equal(zeroRuns[1], crc64(zeros, crc64(zeros)));
    const direct = crc64Combine(crc64(a), zeroRuns[13]!, 2 ** 33);
    const halves = crc64Combine(crc64Combine(crc64(a), zeroRuns[12]!, 2 ** 32), zeroRuns[12]!, 2 ** 32);
    assert.equal(direct, halves);
    assert.notEqual(direct, crc64Combine(crc64(a), zeroRuns[13]!, 2 ** 33 - 1));
  });

  it('hashes files and honours abort signals', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'crc64-'));
    try {
      const file = path.join(folder, 'data.bin');
      const data = randomBytes(2.5 * (1 << 20));
      await writeFile(file, data);
      assert.equal(await crc64File(file), crc64(data));
      const empty = path.join(folder, 'empty.bin');
      await writeFile(empty, new Uint8Array(0));
      assert.equal(await crc64File(empty), 0n);
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(crc64File(file, controller.signal), { name: 'AbortError' });
      await assert.rejects(crc64File(path.join(folder, 'missing.bin')), { code: 'ENOENT' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
