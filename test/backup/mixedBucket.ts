/** Seeds the bundled engine with a mixed bucket: plaintext, SSE-COS, SSE-KMS (two keys), SSE-C, metadata, one multipart object. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { concurrentEach } from '../../core/common/concurrentEach.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import type { SseRequest } from '../../core/protocol/serverSideEncryption.ts';

/** Bucket, region and credentials of the seeded engine. */
export const MIXED_BUCKET = 'mixed-1250000000';
export const MIXED_REGION = 'ap-guangzhou';
export const MIXED_CREDENTIALS = { secretId: 'AKIDbackupTest000000000000000000000', secretKey: 'backupTestSecretKeyDoNotPrint000' };
/** The SSE-C key of the seeded SSE-C objects. */
export const CUSTOMER_KEY = Buffer.from('0123456789ABCDEF0123456789ABCDEF');
/** The KMS key id of the named-key SSE-KMS objects. */
export const KMS_KEY = 'kms-key-backup-test';
/** Size of the multipart plaintext object, above the single-copy size the tests pass ({@link SINGLE_COPY_LIMIT}). */
export const MULTIPART_SIZE = 3 * 1024 * 1024 + 12_345;
/** The single-copy size the tests configure (objects above it are copied with Upload Part - Copy). */
export const SINGLE_COPY_LIMIT = 2 * 1024 * 1024;
/** The multipart object's key. */
export const MULTIPART_KEY = 'plain/big/multipart.bin';

/** What was seeded: counts per kind, bytes per kind and the plaintext keys. */
export interface MixedSeed {
  counts: { 'SSE-COS': number; 'SSE-KMS': number; 'SSE-C': number; none: number };
  bytes: { 'SSE-COS': number; 'SSE-KMS': number; 'SSE-C': number; none: number };
  kmsKeys: Record<string, number>;
  plaintextKeys: string[];
}

/** A running engine with its client and temp folder. */
export interface MixedEngine {
  engine: EngineHandle;
  client: CosClient;
  base: string;
  close(): Promise<void>;
}

/** Starts the engine on port 0 in a temp folder with {@link MIXED_BUCKET}. */
export async function startMixedEngine(): Promise<MixedEngine> {
  const base = await mkdtemp(path.join(tmpdir(), 'cos-sync-backup-'));
  const engine = await startEngine({ dataDir: path.join(base, 'engine'), port: 0, credentials: MIXED_CREDENTIALS, buckets: [MIXED_BUCKET], region: MIXED_REGION, backgroundRewrap: false });
  const client = new CosClient({ credentials: MIXED_CREDENTIALS, region: MIXED_REGION, endpoint: engine.endpoint, maxConnections: 16 });
  return {
    engine, client, base,
    async close() {
      await client.close();
      await engine.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * Seeds `plaintext` plaintext objects (every third with Cache-Control, Content-Disposition and Content-Encoding; all
 * with Content-Type and two `x-cos-meta-*`), 300 SSE-COS, 150 SSE-KMS with {@link KMS_KEY} and 50 with the default
 * key, 60 SSE-C, and the multipart plaintext object {@link MULTIPART_KEY}: 1,000+ objects with the default count.
 */
export async function seedMixedBucket(client: CosClient, plaintext = 450): Promise<MixedSeed> {
  const seed: MixedSeed = { counts: { 'SSE-COS': 0, 'SSE-KMS': 0, 'SSE-C': 0, none: 0 }, bytes: { 'SSE-COS': 0, 'SSE-KMS': 0, 'SSE-C': 0, none: 0 }, kmsKeys: {}, plaintextKeys: [] };
  type Job = { key: string; sse: SseRequest; kind: keyof MixedSeed['counts']; kmsKey?: string; index: number };
  const jobs: Job[] = [];
  for (let index = 0; index < plaintext; index++) jobs.push({ key: `plain/${index % 10}/file-${index}.txt`, sse: { mode: 'none' }, kind: 'none', index });
  for (let index = 0; index < 300; index++) jobs.push({ key: `cos/file-${index}.dat`, sse: { mode: 'AES256' }, kind: 'SSE-COS', index });
  for (let index = 0; index < 200; index++) {
    const named = index < 150;
    jobs.push({ key: `kms/file-${index}.dat`, sse: named ? { mode: 'kms', keyId: KMS_KEY } : { mode: 'kms' }, kind: 'SSE-KMS', kmsKey: named ? KMS_KEY : 'cos-default-kms-key', index });
  }
  for (let index = 0; index < 60; index++) jobs.push({ key: `ssec/file-${index}.bin`, sse: { mode: 'customer', key: CUSTOMER_KEY }, kind: 'SSE-C', index });
  await concurrentEach(jobs, 12, async (job) => {
    const data = randomBytes((job.index * 37) % 3000);
    const extra = job.kind === 'none' && job.index % 3 === 0
      ? { contentHeaders: { 'cache-control': 'max-age=3600', 'content-disposition': `attachment; filename="file-${job.index}.txt"`, 'content-encoding': 'identity' } }
      : {};
    await client.putObject(MIXED_BUCKET, job.key, data, { sse: job.sse, contentType: job.kind === 'none' ? 'text/plain; charset=utf-8' : 'application/octet-stream', metadata: { owner: `user-${job.index % 7}`, 'seed-index': String(job.index) }, ...extra });
    seed.counts[job.kind]++;
    seed.bytes[job.kind] += data.length;
    if (job.kmsKey) seed.kmsKeys[job.kmsKey] = (seed.kmsKeys[job.kmsKey] ?? 0) + 1;
    if (job.kind === 'none') seed.plaintextKeys.push(job.key);
  });
  const big = randomBytes(MULTIPART_SIZE);
  const { uploadId } = await client.initiateMultipartUpload(MIXED_BUCKET, MULTIPART_KEY, { sse: { mode: 'none' }, contentType: 'application/x-big', metadata: { owner: 'multipart' } });
  const first = await client.uploadPart(MIXED_BUCKET, MULTIPART_KEY, uploadId, 1, big.subarray(0, 2 * 1024 * 1024));
  const second = await client.uploadPart(MIXED_BUCKET, MULTIPART_KEY, uploadId, 2, big.subarray(2 * 1024 * 1024));
  await client.completeMultipartUpload(MIXED_BUCKET, MULTIPART_KEY, uploadId, [first, second]);
  seed.counts.none++;
  seed.bytes.none += big.length;
  seed.plaintextKeys.push(MULTIPART_KEY);
  seed.plaintextKeys.sort();
  return seed;
}

/** Every object's listing row (key, ETag, size, Last-Modified), to show that a read-only command changed nothing. */
export async function listingSnapshot(client: CosClient): Promise<string[]> {
  const rows: string[] = [];
  for await (const entry of client.listAllObjects(MIXED_BUCKET)) rows.push(`${entry.key} ${entry.etag} ${entry.size} ${entry.lastModified}`);
  return rows;
}
