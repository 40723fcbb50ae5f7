/** CRC-64/XZ (ECMA-182 reflected), the checksum COS returns in `x-cos-hash-crc64ecma`: one-shot, streaming, combine, file. */
import { open } from 'node:fs/promises';
import { CRC64_POLY_REFLECTED } from './crc64Tables.ts';
import { createJsCrc64Kernel } from './crc64Js.ts';
import { createWasmCrc64Kernel, type Crc64Kernel } from './crc64Wasm.ts';

const MASK = 0xffffffffffffffffn;

let kernel: Crc64Kernel | undefined;
let kernelName: 'wasm' | 'js' | undefined;

function getKernel(): Crc64Kernel {
  if (kernel === undefined) {
    const wasm = createWasmCrc64Kernel();
    kernel = wasm ?? createJsCrc64Kernel();
    kernelName = wasm ? 'wasm' : 'js';
  }
  return kernel;
}

/** Which implementation {@link crc64} runs on: `wasm` (normal) or `js` (when WebAssembly is unavailable). */
export function crc64Implementation(): 'wasm' | 'js' {
  getKernel();
  return kernelName!;
}

/**
 * CRC-64/XZ of `data`. Pass the CRC of the preceding bytes as `previous` to continue a stream:
 * `crc64(b, crc64(a)) === crc64(a ++ b)`. The CRC of no bytes is `0n`. Result is an unsigned 64-bit bigint.
 */
export function crc64(data: Uint8Array, previous = 0n): bigint {
  return getKernel()(data, (previous & MASK) ^ MASK) ^ MASK;
}

/** Incremental CRC-64/XZ over chunks; `digestString()` is the decimal form used by `x-cos-hash-crc64ecma`. */
export class Crc64Hasher {
  #crc = 0n;
  #length = 0;

  /** Feeds the next chunk; returns this for chaining. */
  update(chunk: Uint8Array): this {
    this.#crc = crc64(chunk, this.#crc);
    this.#length += chunk.length;
    return this;
  }

  /** Number of bytes fed so far. */
  get length(): number {
    return this.#length;
  }

  /** The CRC of everything fed so far (the hasher stays usable). */
  digest(): bigint {
    return this.#crc;
  }

  /** The CRC as an unsigned decimal string, as in the `x-cos-hash-crc64ecma` header. */
  digestString(): string {
    return this.#crc.toString(10);
  }
}

// GF(2) arithmetic modulo the polynomial, reflected: bit 63 is x^0 (zlib's multmodp / x2nmodp, 64-bit).
const X0 = 1n << 63n;

function multModP(a: bigint, b: bigint): bigint {
  let product = 0n;
  for (let m = X0; m !== 0n; m >>= 1n) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    b = b & 1n ? (b >> 1n) ^ CRC64_POLY_REFLECTED : b >> 1n;
  }
  return product;
}

// x2n[k] = x^(2^k) mod P.
const x2n: bigint[] = [X0 >> 1n];
for (let k = 1; k < 64; k++) x2n.push(multModP(x2n[k - 1]!, x2n[k - 1]!));

/** x^(n * 2^k) mod P. */
function x2nModP(n: number, k: number): bigint {
  let p = X0;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(x2n[k & 63]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * CRC of `A ++ B` from `crcA = crc64(A)`, `crcB = crc64(B)` and `lengthB = B.length`, without reading the data
 * (zlib-style GF(2) combine). Use it to derive a whole-object CRC from multipart part CRCs.
 */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new RangeError(`crc64Combine: invalid length ${lengthB}`);
  if (lengthB === 0) return crcA & MASK;
  return multModP(x2nModP(lengthB, 3), crcA & MASK) ^ (crcB & MASK);
}

/** CRC-64/XZ of a whole file, read in 1 MiB pieces; rejects with the signal's reason when aborted. */
export async function crc64File(path: string, signal?: AbortSignal): Promise<bigint> {
  signal?.throwIfAborted();
  const handle = await open(path, 'r');
  try {
    // Sized to the file (capped at 1 MiB): a first sync hashes many small files, and a fresh 1 MiB buffer each was
    // most of their cost.
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size + 1)));
    let crc = 0n;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      signal?.throwIfAborted();
      if (bytesRead === 0) return crc;
      crc = crc64(buffer.subarray(0, bytesRead), crc);
    }
  } finally {
    await handle.close();
  }
}
