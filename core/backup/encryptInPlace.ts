/** encryptInPlace: finds the plaintext objects under a prefix and encrypts each in place, journaled and verified. */
import { describeError, retryClassOf } from '../common/errors.ts';
import { concurrentEach } from '../common/concurrentEach.ts';
import type { PauseGate } from '../common/pauseGate.ts';
import { encryptObject, type EncryptSettings } from './encryptObject.ts';
import { storedEncryption, type BackupClient } from './storedEncryption.ts';

/** One object's result. */
export interface EncryptedObject {
  key: string;
  size: number;
  outcome: 'encrypted' | 'would-encrypt' | 'skipped' | 'failed' | 'already';
  /** Why it was skipped or failed. */
  message?: string;
}

/** Totals of a run. */
export interface EncryptReport {
  /** Objects listed under the prefix. */
  objects: number;
  /** Plaintext objects found by this run (including those it then encrypted). */
  plaintext: number;
  encrypted: number;
  encryptedBytes: number;
  /** Objects an earlier run had encrypted (journal), not copied again. */
  finishedEarlier: number;
  /** Objects left alone because they changed meanwhile. */
  skipped: EncryptedObject[];
  failed: EncryptedObject[];
  /** `dryRun`: the plaintext objects that would be encrypted. */
  wouldEncrypt: EncryptedObject[];
  /** Encrypted objects whose bytes could not be compared (the server had no CRC-64 for them). */
  unverified: number;
}

/** Options of {@link encryptInPlace}; the journal and SSE come in `settings`. */
export interface EncryptOptions {
  prefix?: string;
  /** Objects handled at once. Default 8. */
  concurrency?: number;
  /** Only report what would be encrypted: no copies, no journal records. */
  dryRun?: boolean;
  /** Passed before each object (pause between objects). */
  gate?: PauseGate;
  onListed?: (objects: number) => void;
  onObject?: (object: EncryptedObject) => void;
}

/**
 * Encrypts every plaintext object under `prefix` with `settings.sse` (see {@link encryptObject}). Objects the
 * journal records as done with an unchanged ETag are not even HEADed again; an object whose copy finished just
 * before a crash (encrypted now, same size and CRC-64 as journaled) counts as finished earlier. SSE-C, SSE-COS and
 * SSE-KMS objects are left as they are. Stopping errors (credentials, offline, cancelled) reject; per-object
 * failures, including a server refusing the SSE header, are reported and never retried without it.
 */
export async function encryptInPlace(client: BackupClient, settings: EncryptSettings, options: EncryptOptions = {}): Promise<EncryptReport> {
  const { bucket, journal, signal } = settings;
  const report: EncryptReport = { objects: 0, plaintext: 0, encrypted: 0, encryptedBytes: 0, finishedEarlier: 0, skipped: [], failed: [], wouldEncrypt: [], unverified: 0 };
  const entries: { key: string; size: number; etag: string }[] = [];
  for await (const entry of client.listAllObjects(bucket, { prefix: options.prefix ?? '', ...(signal ? { signal } : {}) })) entries.push({ key: entry.key, size: entry.size, etag: entry.etag });
  report.objects = entries.length;
  options.onListed?.(entries.length);
  const finish = (object: EncryptedObject): void => {
    if (object.outcome === 'skipped') report.skipped.push(object);
    else if (object.outcome === 'failed') report.failed.push(object);
    else if (object.outcome === 'would-encrypt') report.wouldEncrypt.push(object);
    options.onObject?.(object);
  };
  await concurrentEach(entries, options.concurrency ?? 8, async (entry) => {
    await options.gate?.wait(signal);
    const recorded = journal.entries.get(entry.key);
    if (recorded?.done !== undefined && recorded.done === entry.etag) {
      report.finishedEarlier++;
      return finish({ key: entry.key, size: entry.size, outcome: 'already' });
    }
    try {
      const stored = await storedEncryption(client, bucket, entry.key, signal ? { signal } : {});
      if (stored.kind !== 'none' || !stored.info) {
        const begun = recorded?.begin;
        if (!options.dryRun && begun && stored.info && stored.info.size === begun.size && stored.info.crc64 === begun.crc64) {
          // The copy of an earlier run finished but was not journaled as done (killed in between).
          await journal.append({ t: 'done', key: entry.key, etag: stored.info.etag });
          report.finishedEarlier++;
        }
        return finish({ key: entry.key, size: entry.size, outcome: 'already' });
      }
      report.plaintext++;
      if (options.dryRun) return finish({ key: entry.key, size: stored.info.size, outcome: 'would-encrypt' });
      const result = await encryptObject(client, settings, stored.info);
      if (result.outcome === 'skipped') return finish({ key: entry.key, size: stored.info.size, outcome: 'skipped', message: result.reason });
      report.encrypted++;
      report.encryptedBytes += result.info.size;
      if (!result.crc64Verified) report.unverified++;
      return finish({ key: entry.key, size: result.info.size, outcome: 'encrypted' });
    } catch (error) {
      const retry = retryClassOf(error);
      if (retry === 'auth' || retry === 'offline' || retry === 'cancelled' || signal?.aborted) throw error;
      if ((error as { status?: number }).status === 404) return finish({ key: entry.key, size: entry.size, outcome: 'skipped', message: 'it was deleted meanwhile' });
      return finish({ key: entry.key, size: entry.size, outcome: 'failed', message: describeError(error) });
    }
  }, signal);
  return report;
}
