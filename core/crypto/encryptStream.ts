/** Encrypts plaintext into the package stream format (header + 64 KiB AES-256-GCM packages), streaming or in one call. */
import { createCipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import {
  HEADER_SIZE,
  NONCE_PREFIX_SIZE,
  PACKAGE_SIZE,
  PackageNoncer,
  TAG_SIZE,
  checkDataKey,
  encodeHeader,
  packageCount,
  storedSize,
} from './packageFormat.ts';

/** A source of cryptographically strong random bytes (injectable for tests). */
export type RandomSource = (size: number) => Buffer;

/** Options for {@link createEncryptStream} and {@link encryptBuffer}. */
export interface EncryptOptions {
  /** Fresh random 32-byte data key; never reuse one for two streams. */
  dataKey: Buffer;
  /** Stream context bound into every package (the engine uses bucket, key, part number and upload identity). */
  context: string;
  /** 8-byte nonce prefix; random by default. Only tests should pass one. */
  noncePrefix?: Buffer;
  /** Randomness for the nonce prefix; `crypto.randomBytes` by default. */
  random?: RandomSource;
  /**
   * Sees every plaintext chunk, in order, before it is encrypted (hashing in the same pass, no extra stream
   * hop); an error it throws fails the stream. Only {@link createEncryptStream} calls it.
   */
  observe?: (plain: Buffer) => void;
}

/** Seals one package: returns ciphertext and tag as separate buffers. */
function sealPackage(dataKey: KeyObject, noncer: PackageNoncer, sequence: number, final: boolean, plain: Buffer): [Buffer, Buffer] {
  const { nonce, aad } = noncer.next(sequence, final);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  const ciphertext = cipher.update(plain);
  cipher.final();
  return [ciphertext, cipher.getAuthTag()];
}

function prepare(options: EncryptOptions): { dataKey: KeyObject; header: Buffer; noncer: PackageNoncer } {
  checkDataKey(options.dataKey);
  const noncePrefix = options.noncePrefix ?? (options.random ?? randomBytes)(NONCE_PREFIX_SIZE);
  const header = encodeHeader(noncePrefix);
    // One key object per stream: importing a raw key for every package showed up in the PUT profile.
  return { dataKey: createSecretKey(options.dataKey), header, noncer: new PackageNoncer(header, options.context) };
}

/**
 * A Transform that turns plaintext into the stored bytes: the 16-byte header, then packages of
 * exactly 64 KiB plaintext (ciphertext ‖ tag) and a final package of 0..64 KiB marked final in its
 * AAD. A full 64 KiB block is held back until more input arrives, because only the end of input
 * decides whether it is the final package. Backpressure is the Transform's own.
 */
export function createEncryptStream(options: EncryptOptions): Transform {
  const { dataKey, header, noncer } = prepare(options);
  const observe = options.observe;
  let sequence = 0;
  // Bytes are copied into a staging package so no caller buffer is retained after its write completes.
  const stage = Buffer.allocUnsafe(PACKAGE_SIZE);
  let staged = 0;
  let headerSent = false;

  return new Transform({
    readableHighWaterMark: 4 * (PACKAGE_SIZE + TAG_SIZE),
    writableHighWaterMark: 4 * PACKAGE_SIZE,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        observe?.(chunk);
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        let offset = 0;
        if (staged > 0) {
          const take = Math.min(PACKAGE_SIZE - staged, chunk.length);
          chunk.copy(stage, staged, 0, take);
          staged += take;
          offset = take;
          if (offset === chunk.length) {
            callback();
            return;
          }
          const [ciphertext, tag] = sealPackage(dataKey, noncer, sequence++, false, stage);
          this.push(ciphertext);
          this.push(tag);
          staged = 0;
        }
        // Strictly more than one package left: this one cannot be the final package.
        while (chunk.length - offset > PACKAGE_SIZE) {
          const [ciphertext, tag] = sealPackage(dataKey, noncer, sequence++, false, chunk.subarray(offset, offset + PACKAGE_SIZE));
          this.push(ciphertext);
          this.push(tag);
          offset += PACKAGE_SIZE;
        }
        staged = chunk.copy(stage, 0, offset);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!headerSent) this.push(header);
        const [ciphertext, tag] = sealPackage(dataKey, noncer, sequence++, true, stage.subarray(0, staged));
        this.push(ciphertext);
        this.push(tag);
        staged = 0;
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/** Encrypts a whole plaintext synchronously into its stored bytes (exactly {@link storedSize} long); for small objects. */
export function encryptBuffer(plain: Buffer, options: EncryptOptions): Buffer {
  const { dataKey, header, noncer } = prepare(options);
  const count = packageCount(plain.length);
  const out = Buffer.allocUnsafe(storedSize(plain.length));
  header.copy(out, 0);
  let position = HEADER_SIZE;
  for (let sequence = 0; sequence < count; sequence++) {
    const start = sequence * PACKAGE_SIZE;
    const [ciphertext, tag] = sealPackage(dataKey, noncer, sequence, sequence === count - 1, plain.subarray(start, Math.min(start + PACKAGE_SIZE, plain.length)));
    position += ciphertext.copy(out, position);
    position += tag.copy(out, position);
  }
  return out;
}
