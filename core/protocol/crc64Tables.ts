/** Slicing-by-N lookup tables for CRC-64/XZ (ECMA-182, reflected), shared by the WASM and JS kernels. */

/** The reflected ECMA-182 polynomial used by CRC-64/XZ and COS's `x-cos-hash-crc64ecma`. */
export const CRC64_POLY_REFLECTED = 0xc96c5795d7870f42n;

/** Number of 256-entry tables built by {@link crc64Tables} (slicing-by-16). */
export const CRC64_TABLE_COUNT = 16;

/**
 * Builds the slicing tables: entry `k * 256 + b` is the CRC register after feeding byte `b` followed by `k`
 * zero bytes into a zero register. Returned as little-endian 64-bit values (`BigUint64Array`, 16 × 256 entries),
 * so the same bytes can be copied into WebAssembly memory or read as uint32 halves.
 */
export function crc64Tables(): BigUint64Array {
  const tables = new BigUint64Array(CRC64_TABLE_COUNT * 256);
  for (let b = 0; b < 256; b++) {
    let crc = BigInt(b);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ CRC64_POLY_REFLECTED : crc >> 1n;
    tables[b] = crc;
  }
  for (let k = 1; k < CRC64_TABLE_COUNT; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = tables[(k - 1) * 256 + b]!;
      tables[k * 256 + b] = (previous >> 8n) ^ tables[Number(previous & 0xffn)]!;
    }
  }
  return tables;
}
