/** A hand-assembled WebAssembly CRC-64/XZ kernel (slicing-by-16 over i64 tables in linear memory). */
import { CRC64_TABLE_COUNT, crc64Tables } from './crc64Tables.ts';

/** A CRC-64 kernel: feeds `data` into the raw register `state` (init/xorout not applied) and returns it. */
export type Crc64Kernel = (data: Uint8Array, state: bigint) => bigint;

// Memory layout: the 16 tables (32 KiB) at 0, the staging buffer for input from STAGE_OFFSET.
const STAGE_OFFSET = 65536;
const STAGE_SIZE = 1 << 20;
const PAGES = (STAGE_OFFSET + STAGE_SIZE) / 65536;

// Opcodes used below (WebAssembly MVP binary format).
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  localGet: 0x20, localSet: 0x21,
  i32Load: 0x28, i64Load: 0x29, i32Load8u: 0x2d,
  i32Const: 0x41, i64Const: 0x42,
  i32GeU: 0x4f, i32Add: 0x6a, i32And: 0x71, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76,
  i64Xor: 0x85, i64ShrU: 0x88, i32WrapI64: 0xa7,
} as const;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (text: string): number[] => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

// Locals: 0 p (i32), 1 n (i32), 2 c (i64), then 3 end, 4 w0, 5 w1, 6 w2, 7 w3 (i32).
const [P, N, C, END] = [0, 1, 2, 3];
const W = [4, 5, 6, 7];

/** Pushes T[table][byte `k` of local `word`] as an i64 (table address = byte * 8 + table * 2048). */
function lookup(word: number, k: number, table: number): number[] {
  const index =
    k === 0
      ? [op.localGet, word, op.i32Const, ...sleb(3), op.i32Shl]
      : [op.localGet, word, op.i32Const, ...sleb(8 * k - 3), op.i32ShrU];
  return [...index, op.i32Const, ...sleb(0x7f8), op.i32And, op.i64Load, 3, ...uleb(table * 2048)];
}

/** XORs the given i64 producers as a balanced tree, so the CPU sees short dependency chains. */
function xorTree(parts: number[][]): number[] {
  if (parts.length === 1) return parts[0]!;
  const half = parts.length >> 1;
  return [...xorTree(parts.slice(0, half)), ...xorTree(parts.slice(half)), op.i64Xor];
}

function functionBody(): number[] {
  const lookups: number[][] = [];
  for (let i = 0; i < 16; i++) lookups.push(lookup(W[i >> 2]!, i & 3, CRC64_TABLE_COUNT - 1 - i));
  const code = [
    // end = p + (n & ~15)
    op.localGet, P, op.localGet, N, op.i32Const, ...sleb(-16), op.i32And, op.i32Add, op.localSet, END,
    op.block, op.void, op.loop, op.void,
    op.localGet, P, op.localGet, END, op.i32GeU, op.brIf, 1,
    // w0..w1 = first 8 bytes xor register; w2..w3 = next 8 bytes
    op.localGet, P, op.i32Load, 2, 0, op.localGet, C, op.i32WrapI64, op.i32Xor, op.localSet, W[0]!,
    op.localGet, P, op.i32Load, 2, 4, op.localGet, C, op.i64Const, ...sleb(32), op.i64ShrU, op.i32WrapI64, op.i32Xor, op.localSet, W[1]!,
    op.localGet, P, op.i32Load, 2, 8, op.localSet, W[2]!,
    op.localGet, P, op.i32Load, 2, 12, op.localSet, W[3]!,
    ...xorTree(lookups), op.localSet, C,
    op.localGet, P, op.i32Const, ...sleb(16), op.i32Add, op.localSet, P,
    op.br, 0, op.end, op.end,
    // tail, byte by byte: end = p + (n & 15)
    op.localGet, P, op.localGet, N, op.i32Const, ...sleb(15), op.i32And, op.i32Add, op.localSet, END,
    op.block, op.void, op.loop, op.void,
    op.localGet, P, op.localGet, END, op.i32GeU, op.brIf, 1,
    op.localGet, C, op.i32WrapI64, op.localGet, P, op.i32Load8u, 0, 0, op.i32Xor,
    op.i32Const, ...sleb(255), op.i32And, op.i32Const, ...sleb(3), op.i32Shl, op.i64Load, 3, 0,
    op.localGet, C, op.i64Const, ...sleb(8), op.i64ShrU, op.i64Xor, op.localSet, C,
    op.localGet, P, op.i32Const, ...sleb(1), op.i32Add, op.localSet, P,
    op.br, 0, op.end, op.end,
    op.localGet, C,
    op.end,
  ];
  const locals = [1, 5, 0x7f]; // one group: 5 × i32
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

// The slice of the WebAssembly JS API used here (the core tsconfig has no DOM lib, where its types live).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** The module bytes: exports memory `m` and `crc(ptr: i32, len: i32, state: i64) -> i64`. */
export function crc64WasmBytes(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7e, 1, 0x7e]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...uleb(PAGES)]),
    ...section(7, [2, ...name('m'), 2, 0, ...name('crc'), 0, 0]),
    ...section(10, [1, ...functionBody()]),
  ];
  return Uint8Array.from(bytes);
}

/** What another thread needs to run the kernel itself: the module bytes, the tables (copied to offset 0 of its memory) and the staging window for input. */
export function crc64WasmSetup(): { bytes: Uint8Array; tables: Uint8Array; stageOffset: number; stageSize: number } {
  const tables = crc64Tables();
  return { bytes: crc64WasmBytes(), tables: new Uint8Array(tables.buffer, tables.byteOffset, tables.byteLength), stageOffset: STAGE_OFFSET, stageSize: STAGE_SIZE };
}

/**
 * Compiles and instantiates the kernel synchronously (the module is a few hundred bytes). Input is copied into
 * the instance's memory in 1 MiB pieces. Returns undefined when WebAssembly is unavailable (e.g. `--jitless`).
 */
export function createWasmCrc64Kernel(): Crc64Kernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  let exports: { m: { buffer: ArrayBuffer }; crc: (ptr: number, len: number, state: bigint) => bigint };
  try {
    exports = new wasm.Instance(new wasm.Module(crc64WasmBytes())).exports as typeof exports;
  } catch {
    return undefined;
  }
  const crc = exports.crc;
  const heap = new Uint8Array(exports.m.buffer);
  heap.set(crc64WasmSetup().tables, 0);
  return (data, state) => {
    for (let offset = 0; offset < data.length; offset += STAGE_SIZE) {
      const piece = data.subarray(offset, Math.min(offset + STAGE_SIZE, data.length));
      heap.set(piece, STAGE_OFFSET);
      state = crc(STAGE_OFFSET, piece.length, state);
    }
    return BigInt.asUintN(64, state);
  };
}
