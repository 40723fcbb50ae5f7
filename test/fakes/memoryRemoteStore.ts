/** An in-memory RemoteStore following core/sync's contract, with simulated multipart sessions and injectable faults. */
import { readFile } from 'node:fs/promises';
import { sleep } from '../../core/common/backoff.ts';
import { CosSyncError, type RetryClass } from '../../core/common/errors.ts';
import type { ConfirmedEncryption, RemoteStore, StoredObject, UploadRequest } from '../../core/sync/remoteStore.ts';

const table = (() => {
  const entries = new BigUint64Array(256);
  for (let b = 0; b < 256; b++) {
    let crc = BigInt(b);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
    entries[b] = crc;
  }
  return entries;
})();

/** CRC-64/ECMA-182 (the XZ variant COS uses) of a buffer, as a decimal string. Slow but independent of core/protocol. */
export function crc64Of(data: Uint8Array): string {
  let crc = 0xffffffffffffffffn;
  for (const byte of data) crc = table[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  return (crc ^ 0xffffffffffffffffn).toString();
}

/** crc64File for tests: reads the whole file. */
export async function crc64FileOf(filePath: string): Promise<string> {
  return crc64Of(await readFile(filePath));
}

/** Operations faults can target. */
export type StoreOperation = 'upload' | 'part' | 'copy' | 'delete' | 'head' | 'list';

interface StoredData extends StoredObject {
  data: Buffer;
  crc64: string;
  encryption: ConfirmedEncryption;
}

interface Fault {
  operation: StoreOperation;
  remaining: number;
  retry: RetryClass;
  code: string;
  key?: string;
}

/**
 * Objects live in a Map. Files above `multipartThreshold` go through sessions of `partSize` parts (onSession before
 * the first part, onPart after each). Faults: {@link failNext} (N times, any retry class, optionally one key),
 * `offline` / `authFailure` switches, `latencyMs` (slow), `encryption` (what is confirmed), `echoEncryption` false
 * (→ SseNotConfirmed) and `wrongCrc` (server reports a different CRC).
 */
export class MemoryRemoteStore implements RemoteStore {
  readonly objects = new Map<string, StoredData>();
  readonly sessions = new Map<string, { key: string; partSize: number; parts: Map<number, { data: Buffer; etag: string; crc64: string }> }>();
  /** Every call, in order ("upload a.txt", "part a.bin#2", …). */
  readonly calls: string[] = [];
  multipartThreshold = 1024 * 1024;
  partSize = 256 * 1024;
  latencyMs = 0;
  offline = false;
  authFailure = false;
  echoEncryption = true;
  wrongCrc = false;
  encryption: ConfirmedEncryption = { algorithm: 'AES256' };
  /** Include crc64 in listings (COS does not). */
  listWithCrc = false;
  readonly #faults: Fault[] = [];
  #nextId = 1;

  /** The next `times` calls of `operation` (on `key`, if given) fail with this retry class. */
  failNext(operation: StoreOperation, times = 1, retry: RetryClass = 'retry', options: { code?: string; key?: string } = {}): void {
    this.#faults.push({ operation, remaining: times, retry, code: options.code ?? 'InjectedFault', ...(options.key ? { key: options.key } : {}) });
  }

  /** Puts an object directly (a pre-existing remote object). */
  seed(key: string, data: Buffer | string, encryption: ConfirmedEncryption = { algorithm: 'none' }): void {
    const buffer = Buffer.from(data);
    this.objects.set(key, { key, size: buffer.length, etag: `"seed-${this.#nextId++}"`, crc64: crc64Of(buffer), encryption, data: buffer, lastModified: new Date().toISOString() });
  }

  /** Object content as text. */
  text(key: string): string | undefined {
    return this.objects.get(key)?.data.toString();
  }

  async #enter(operation: StoreOperation, key: string, signal?: AbortSignal): Promise<void> {
    this.calls.push(`${operation} ${key}`);
    if (this.latencyMs > 0) await sleep(this.latencyMs, signal);
    if (signal?.aborted) throw new CosSyncError('Cancelled', 'Cancelled.', { retry: 'cancelled', cause: signal.reason });
    if (this.offline) throw new CosSyncError('NetworkUnreachable', 'The endpoint cannot be reached.', { retry: 'offline' });
    if (this.authFailure) throw new CosSyncError('AccessDenied', 'Access denied.', { retry: 'auth', hint: 'Check the SecretId/SecretKey.' });
    const fault = this.#faults.find((candidate) => candidate.operation === operation && candidate.remaining > 0 && (candidate.key === undefined || candidate.key === key || candidate.key === key.split('#')[0]));
    if (fault) {
      fault.remaining--;
      throw new CosSyncError(fault.code, `Injected ${fault.retry} fault on ${operation}.`, { retry: fault.retry });
    }
  }

  #store(key: string, data: Buffer): StoredData & { encryption: ConfirmedEncryption; crc64: string } {
    const object = { key, size: data.length, etag: `"${this.#nextId++}"`, crc64: this.wrongCrc ? '1' : crc64Of(data), encryption: this.encryption, data, lastModified: new Date().toISOString() };
    if (!this.echoEncryption) throw new CosSyncError('SseNotConfirmed', 'The server did not confirm server-side encryption.', { retry: 'fatal' });
    this.objects.set(key, { ...object, crc64: crc64Of(data) });
    return object;
  }

  async uploadFile(key: string, filePath: string, request: UploadRequest): Promise<StoredObject & { encryption: ConfirmedEncryption; crc64: string }> {
    await this.#enter('upload', key, request.signal);
    const data = await readFile(filePath);
    if (data.length !== request.size) throw new CosSyncError('SizeMismatch', 'The file size changed.', { retry: 'retry' });
    if (data.length <= this.multipartThreshold) {
      request.onProgress?.(data.length);
      return this.#store(key, data);
    }
    let session = request.resume ? this.sessions.get(request.resume.uploadId) : undefined;
    let uploadId = request.resume?.uploadId ?? '';
    if (!session || session.key !== key) {
      uploadId = `upload-${this.#nextId++}`;
      session = { key, partSize: this.partSize, parts: new Map() };
      this.sessions.set(uploadId, session);
      await request.onSession?.({ uploadId, partSize: session.partSize });
    }
    const count = Math.ceil(data.length / session.partSize);
    let sent = 0;
    for (let partNumber = 1; partNumber <= count; partNumber++) {
      const part = data.subarray((partNumber - 1) * session.partSize, partNumber * session.partSize);
      if (!session.parts.has(partNumber)) {
        await this.#enter('part', `${key}#${partNumber}`, request.signal);
        const stored = { data: Buffer.from(part), etag: `"part-${this.#nextId++}"`, crc64: crc64Of(part) };
        session.parts.set(partNumber, stored);
        sent += part.length;
        request.onProgress?.(sent);
        await request.onPart?.({ partNumber, etag: stored.etag, crc64: stored.crc64, size: part.length });
      }
    }
    this.sessions.delete(uploadId);
    return this.#store(key, Buffer.concat([...session.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part.data)));
  }

  async copyObject(sourceKey: string, destinationKey: string, signal?: AbortSignal): Promise<StoredObject & { encryption: ConfirmedEncryption }> {
    await this.#enter('copy', `${sourceKey}>${destinationKey}`, signal);
    const source = this.objects.get(sourceKey);
    if (!source) throw new CosSyncError('NoSuchKey', `The object ${sourceKey} does not exist.`, { retry: 'fatal' });
    const { data, ...metadata } = this.#store(destinationKey, source.data);
    return metadata;
  }

  async deleteObject(key: string, signal?: AbortSignal): Promise<void> {
    await this.#enter('delete', key, signal);
    this.objects.delete(key);
  }

  async headObject(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
    await this.#enter('head', key, signal);
    const object = this.objects.get(key);
    if (!object) return undefined;
    const { data, ...metadata } = object;
    return metadata;
  }

  async *listObjects(prefix: string, signal?: AbortSignal): AsyncIterable<StoredObject> {
    await this.#enter('list', prefix, signal);
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const object = this.objects.get(key)!;
      yield { key, size: object.size, etag: object.etag, ...(this.listWithCrc ? { crc64: object.crc64 } : {}), ...(object.lastModified ? { lastModified: object.lastModified } : {}) };
    }
  }
}
