/** S3 flexible checksums (`x-amz-checksum-crc32|crc32c|sha1|sha256`, as headers or aws-chunked trailers): compute and verify. */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { cosError } from '../../protocol/cosError.ts';

/** An incremental checksum with the base64 digest S3 uses. */
export interface PayloadChecksum {
  update(chunk: Buffer): void;
  digestBase64(): string;
}

const crc32cTable = new Int32Array(256).map((_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
  return value;
});

function crcDigest(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/** The checksum for an `x-amz-checksum-<algorithm>` name; undefined for algorithms the engine does not verify (e.g. crc64nvme). */
export function createPayloadChecksum(headerName: string): PayloadChecksum | undefined {
  switch (headerName.toLowerCase()) {
    case 'x-amz-checksum-crc32': {
      let value = 0;
      return { update: (chunk) => (value = crc32(chunk, value)), digestBase64: () => crcDigest(value) };
    }
    case 'x-amz-checksum-crc32c': {
      let value = ~0;
      return {
        update: (chunk) => {
          for (const byte of chunk) value = crc32cTable[(value ^ byte) & 0xff]! ^ (value >>> 8);
        },
        digestBase64: () => crcDigest(~value),
      };
    }
    case 'x-amz-checksum-sha1':
    case 'x-amz-checksum-sha256': {
      const hash = createHash(headerName.toLowerCase().endsWith('sha1') ? 'sha1' : 'sha256');
      return { update: (chunk) => hash.update(chunk), digestBase64: () => hash.digest('base64') };
    }
    default:
      return undefined;
  }
}

/** BadDigest unless `expected` is the checksum's digest. */
export function assertChecksum(checksum: PayloadChecksum, expected: string, name: string): void {
  if (checksum.digestBase64() !== expected.trim()) throw cosError('BadDigest', `The ${name} you specified did not match the calculated checksum.`);
}

/** A pass-through that verifies an `x-amz-checksum-*` request header against the body (BadDigest at the end); undefined when none applies. */
export function createHeaderChecksumVerifier(headers: IncomingHttpHeaders): Transform | undefined {
  const name = Object.keys(headers).find((header) => header.startsWith('x-amz-checksum-') && header !== 'x-amz-checksum-type' && header !== 'x-amz-checksum-algorithm');
  const expected = name === undefined ? undefined : headers[name];
  const checksum = name === undefined ? undefined : createPayloadChecksum(name);
  if (!checksum || typeof expected !== 'string') return undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      checksum.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      try {
        assertChecksum(checksum, expected, name!);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
