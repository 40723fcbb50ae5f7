/** A mixed, self-verifying object workload for the robustness benches: PUT, GET, ranged GET, multipart, copy, list and delete with SSE, every read checked. */
import { createCipheriv, createHash } from 'node:crypto';
import { CosClient } from '../core/cos/cosClient.ts';
import { crc64 } from '../core/protocol/crc64.ts';
import { BENCH_TARGET } from './engineProcess.ts';

/** Content of an object, derived from its seed (AES-CTR keystream): regenerated to verify reads instead of kept in memory. */
export function objectContent(seed: number, size: number): Buffer {
  const key = createHash('sha256').update(`object-${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** What a client knows it stored. */
export interface StoredObject {
  seed: number;
  size: number;
  crc64: string;
}

/** The operations of the mix. */
export const OPERATIONS = ['PUT', 'GET', 'ranged GET', 'multipart', 'copy', 'list', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The load mix: weights per operation. */
export const LOAD_MIX: [Operation, number][] = [['PUT', 28], ['GET', 24], ['ranged GET', 15], ['multipart', 5], ['copy', 8], ['list', 10], ['delete', 10]];
const MiB = 1024 * 1024;

/** A client for `endpoint` that sends each request once (no retries hide an error) and verifies SSE and CRC-64 itself. */
export function benchClient(endpoint: string, ca?: string): CosClient {
  return new CosClient({
    credentials: { secretId: BENCH_TARGET.secretId, secretKey: BENCH_TARGET.secretKey }, region: BENCH_TARGET.region, endpoint,
    retries: { attempts: 1 }, maxConnections: 2, ...(ca ? { ca } : {}),
  });
}

/** Reads a whole GET body. */
async function readBody(client: CosClient, key: string, range?: { start: number; end: number }): Promise<Buffer> {
  const got = await client.getObject(BENCH_TARGET.bucket, key, range ? { range } : {});
  return Buffer.concat(await got.body.toArray() as Buffer[]);
}

/**
 * One simulated client: it owns the keys under `prefix` (so its reads never race its own deletes) and picks
 * operations by weight. `onAcknowledged` hears every write the engine confirmed (for the crash bench).
 */
export class WorkloadClient {
  readonly objects = new Map<string, StoredObject>();
  readonly #client: CosClient;
  readonly #prefix: string;
  readonly #mix: [Operation, number][];
  #random: () => number;
  #next = 0;

  constructor(client: CosClient, prefix: string, random: () => number, mix: [Operation, number][] = LOAD_MIX) {
    this.#client = client;
    this.#prefix = prefix;
    this.#random = random;
    this.#mix = mix;
  }

  #pick(): Operation {
    let roll = this.#random() * this.#mix.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [operation, weight] of this.#mix) {
      roll -= weight;
      if (roll < 0) return operation;
    }
    return 'PUT';
  }

  #size(): number {
    return this.#random() < 0.9 ? 1 + Math.floor(this.#random() * 256 * 1024) : MiB + Math.floor(this.#random() * 3 * MiB);
  }

  #existing(): [string, StoredObject] | undefined {
    if (this.objects.size === 0) return undefined;
    const keys = [...this.objects.keys()];
    const key = keys[Math.floor(this.#random() * keys.length)]!;
    return [key, this.objects.get(key)!];
  }

  /** A new key and seed for a write; `onStart` is told before the request goes out (the crash bench tracks writes in flight). */
  #newObject(): { key: string; seed: number } {
    const sequence = this.#next++;
    return { key: `${this.#prefix}${sequence}`, seed: Math.floor(this.#random() * 2 ** 31) };
  }

  /** Runs one operation; resolves with its name, or rejects with what went wrong (a failed request or a wrong read). */
  async step(hooks: { onStart?(key: string, object: StoredObject): void; onAcknowledged?(key: string, object: StoredObject): void } = {}): Promise<Operation> {
    let operation = this.#pick();
    const existing = this.#existing();
    if (!existing && operation !== 'multipart' && operation !== 'list') operation = 'PUT';
    const bucket = BENCH_TARGET.bucket;
    switch (operation) {
      case 'PUT': {
        const { key, seed } = this.#newObject();
        const size = this.#size();
        const content = objectContent(seed, size);
        const object = { seed, size, crc64: crc64(content).toString() };
        hooks.onStart?.(key, object);
        const result = await this.#client.putObject(bucket, key, content);
        if (result.encryption.algorithm !== 'AES256') throw new Error(`PUT ${key}: SSE not confirmed`);
        this.objects.set(key, object);
        hooks.onAcknowledged?.(key, object);
        break;
      }
      case 'multipart': {
        const { key, seed } = this.#newObject();
        const size = MiB + 1 + Math.floor(this.#random() * MiB);
        const content = objectContent(seed, size);
        const object = { seed, size, crc64: crc64(content).toString() };
        hooks.onStart?.(key, object);
        const { uploadId } = await this.#client.initiateMultipartUpload(bucket, key);
        const first = await this.#client.uploadPart(bucket, key, uploadId, 1, content.subarray(0, MiB));
        const second = await this.#client.uploadPart(bucket, key, uploadId, 2, content.subarray(MiB));
        await this.#client.completeMultipartUpload(bucket, key, uploadId, [first, second]);
        this.objects.set(key, object);
        hooks.onAcknowledged?.(key, object);
        break;
      }
      case 'GET': {
        const [key, object] = existing!;
        const body = await readBody(this.#client, key);
        if (crc64(body).toString() !== object.crc64) throw new Error(`GET ${key}: CRC-64 of the body differs from what was stored`);
        break;
      }
      case 'ranged GET': {
        const [key, object] = existing!;
        const start = Math.floor(this.#random() * object.size);
        const end = Math.min(object.size - 1, start + Math.floor(this.#random() * 200_000));
        const body = await readBody(this.#client, key, { start, end });
        if (!body.equals(objectContent(object.seed, object.size).subarray(start, end + 1))) throw new Error(`ranged GET ${key} ${start}-${end}: wrong bytes`);
        break;
      }
      case 'copy': {
        const [source, object] = existing!;
        const { key } = this.#newObject();
        hooks.onStart?.(key, object);
        const copied = await this.#client.copyObject(bucket, key, { key: source });
        if (copied.crc64 !== undefined && copied.crc64 !== object.crc64) throw new Error(`copy ${source} → ${key}: CRC-64 differs`);
        this.objects.set(key, object);
        hooks.onAcknowledged?.(key, object);
        break;
      }
      case 'list': {
        const page = await this.#client.listObjects(bucket, { prefix: this.#prefix, maxKeys: 100 });
        const listed = new Set(page.contents.map((entry) => entry.key));
        if (!page.isTruncated) for (const key of this.objects.keys()) if (!listed.has(key)) throw new Error(`list ${this.#prefix}: ${key} is missing`);
        break;
      }
      case 'delete': {
        const [key] = existing!;
        await this.#client.deleteObject(bucket, key);
        this.objects.delete(key);
        break;
      }
    }
    return operation;
  }
}
