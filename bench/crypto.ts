/** Measures package-stream encrypt/decrypt throughput on one core (256 MiB by default): `node bench/crypto.ts [MiB]`. */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { createDecryptStream, createEncryptStream, decryptBuffer, encryptBuffer } from '../core/crypto/index.ts';

const mebibytes = Number(process.argv[2] ?? 256);
const size = mebibytes * 1024 * 1024;
const rounds = 3;
const dataKey = randomBytes(32);
const context = 'bench-bucket-1250000000/object.bin#part=0#upload=';
const plain = randomBytes(size);

function chunksOf(data: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkSize) chunks.push(data.subarray(offset, offset + chunkSize));
  return chunks;
}

async function drain(transform: Transform, input: Buffer, chunkSize: number): Promise<number> {
  let bytes = 0;
  await pipeline(
    Readable.from(chunksOf(input, chunkSize)),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    }),
  );
  return bytes;
}

async function measure(name: string, run: () => unknown): Promise<void> {
  const speeds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    await run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    speeds.push(mebibytes / seconds);
  }
  speeds.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} best ${speeds.at(-1)!.toFixed(0).padStart(5)} MiB/s   median ${speeds[1]!.toFixed(0).padStart(5)} MiB/s`);
}

const stored = encryptBuffer(plain, { dataKey, context });
console.log(`package stream, ${mebibytes} MiB, ${rounds} rounds, Node ${process.version}`);
await measure('encryptBuffer', () => encryptBuffer(plain, { dataKey, context }));
await measure('createEncryptStream (64 KiB input chunks)', () => drain(createEncryptStream({ dataKey, context }), plain, 65536));
await measure('createEncryptStream (1 MiB input chunks)', () => drain(createEncryptStream({ dataKey, context }), plain, 1024 * 1024));
await measure('decryptBuffer', () => decryptBuffer(stored, { dataKey, context }));
await measure('createDecryptStream (64 KiB input chunks)', () => drain(createDecryptStream({ dataKey, context, plainSize: size }), stored, 65536));
await measure('createDecryptStream (1 MiB input chunks)', () => drain(createDecryptStream({ dataKey, context, plainSize: size }), stored, 1024 * 1024));
