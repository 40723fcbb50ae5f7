/** auditBucket: lists every object under a prefix and HEADs each (bounded concurrency) to count how it is encrypted. */
import { describeError, retryClassOf } from '../common/errors.ts';
import { concurrentEach } from '../common/concurrentEach.ts';
import type { PauseGate } from '../common/pauseGate.ts';
import { encryptionKinds, storedEncryption, type BackupClient, type EncryptionKind, type StoredEncryption } from './storedEncryption.ts';

/** Objects and bytes of one group. */
export interface Tally {
  objects: number;
  bytes: number;
}

/** The result of an audit. Reading only: an audit never writes to the bucket. */
export interface AuditReport {
  bucket: string;
  prefix: string;
  objects: number;
  bytes: number;
  /** Per encryption kind (every kind present, zero when none). */
  byKind: Record<EncryptionKind, Tally>;
  /** SSE-KMS objects per KMS key id (`default` when the server names none). */
  kmsKeys: Record<string, Tally>;
  /** Every plaintext object, in listing order. */
  plaintext: { key: string; size: number }[];
  /** Objects whose HEAD failed (not counted in byKind), with a readable message. */
  errors: { key: string; message: string }[];
}

/** Progress of an audit: objects HEADed, objects listed so far, and whether the listing is complete. */
export interface AuditProgress {
  done: number;
  listed: number;
  listingComplete: boolean;
}

/** Options of {@link auditBucket}. */
export interface AuditOptions {
  prefix?: string;
  /** HEAD requests in flight at once. Default 16. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Passed before each HEAD (pause between objects). */
  gate?: PauseGate;
  /** Called once per object as soon as its HEAD answered. */
  onObject?: (object: { key: string; size: number; encryption: StoredEncryption }) => void;
  onProgress?: (progress: AuditProgress) => void;
}

/** An empty tally per kind. */
export function emptyKinds(): Record<EncryptionKind, Tally> {
  return Object.fromEntries(encryptionKinds.map((kind) => [kind, { objects: 0, bytes: 0 }])) as Record<EncryptionKind, Tally>;
}

/**
 * Audits `bucket` under `prefix`: every listing page, one HEAD per object. An object deleted between listing and
 * HEAD is left out; other HEAD failures go to `errors`. Errors that stop all work (credentials, offline,
 * cancelled) reject instead, as does a failed listing.
 */
export async function auditBucket(client: BackupClient, bucket: string, options: AuditOptions = {}): Promise<AuditReport> {
  const prefix = options.prefix ?? '';
  const report: AuditReport = { bucket, prefix, objects: 0, bytes: 0, byKind: emptyKinds(), kmsKeys: {}, plaintext: [], errors: [] };
  const progress: AuditProgress = { done: 0, listed: 0, listingComplete: false };
  const order = new Map<string, number>();
  async function* listed(): AsyncGenerator<{ key: string; size: number }> {
    for await (const entry of client.listAllObjects(bucket, { prefix, ...(options.signal ? { signal: options.signal } : {}) })) {
      order.set(entry.key, progress.listed);
      progress.listed++;
      yield { key: entry.key, size: entry.size };
    }
    progress.listingComplete = true;
    options.onProgress?.({ ...progress });
  }
  await concurrentEach(listed(), options.concurrency ?? 16, async (entry) => {
    await options.gate?.wait(options.signal);
    try {
      const encryption = await storedEncryption(client, bucket, entry.key, options.signal ? { signal: options.signal } : {});
      const size = encryption.info?.size ?? entry.size;
      report.objects++;
      report.bytes += size;
      report.byKind[encryption.kind].objects++;
      report.byKind[encryption.kind].bytes += size;
      if (encryption.kind === 'SSE-KMS') {
        const tally = (report.kmsKeys[encryption.kmsKeyId ?? 'default'] ??= { objects: 0, bytes: 0 });
        tally.objects++;
        tally.bytes += size;
      }
      if (encryption.kind === 'none') report.plaintext.push({ key: entry.key, size });
      options.onObject?.({ key: entry.key, size, encryption });
    } catch (error) {
      const retry = retryClassOf(error);
      if (retry === 'auth' || retry === 'offline' || retry === 'cancelled' || options.signal?.aborted) throw error;
      if ((error as { status?: number }).status !== 404) report.errors.push({ key: entry.key, message: describeError(error) });
    }
    progress.done++;
    options.onProgress?.({ ...progress });
  }, options.signal);
  report.plaintext.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  return report;
}
