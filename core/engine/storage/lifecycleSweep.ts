/** The lifecycle sweep: applies every bucket's stored lifecycle rules (expirations, noncurrent expirations, aborts) in crash-safe batches. */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { LifecycleRule } from '../../protocol/xml.ts';
import type { BlobStore } from './blobStore.ts';
import type { EngineIndex } from './engineIndex.ts';
import { objectOf, uploadOf, type ObjectRow, type Row } from './indexRows.ts';
import { prefixSuccessor } from './prefixSuccessor.ts';

/** What one sweep did. */
export interface LifecycleResult {
  /** Noncurrent versions (data or markers) removed by NoncurrentVersionExpiration. */
  expiredVersions: number;
  /** Current versions expired by Expiration Days/Date (a delete marker where versioning is configured). */
  expiredObjects: number;
  /** Delete markers removed by ExpiredObjectDeleteMarker (markers that were their key's only version). */
  removedMarkers: number;
  /** Multipart uploads aborted by AbortIncompleteMultipartUpload. */
  abortedUploads: number;
}

/** Options of {@link LifecycleSweep}. */
export interface LifecycleSweepOptions {
  /** Length of a lifecycle "day" in ms (86,400,000; shorter for trying rules out and for tests). */
  dayMs?: number;
  /** Rows per index transaction. Default 200. */
  batchSize?: number;
  logger?: Logger;
}

/** One kind of candidate row and what to do with it inside the commit. */
interface Pass {
  /** The next batch of candidate rows after `cursor` (exclusive), in a stable order. */
  candidates(cursor: { key: string; id: string } | undefined, limit: number): { key: string; id: string; row: unknown }[];
  /** Applies the action if the row still qualifies (run inside the commit); returns the freed blob ids, or undefined when skipped. */
  apply(row: unknown): string[] | undefined;
}

/**
 * Applies lifecycle rules. Every action on a row re-checks, inside the index transaction that applies it, that the
 * row still qualifies, so concurrent writes win; freed blobs are unlinked after the commit (a crash in between leaves
 * orphans the start-up sweep removes). A killed sweep resumes from scratch on the next run: every action is idempotent.
 */
export class LifecycleSweep {
  readonly #index: EngineIndex;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;
  readonly #dayMs: number;
  readonly #batchSize: number;
  readonly #logger: Logger | undefined;
  #running: Promise<LifecycleResult> | undefined;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(index: EngineIndex, blobs: BlobStore, clock: Clock, options: LifecycleSweepOptions = {}) {
    this.#index = index;
    this.#blobs = blobs;
    this.#clock = clock;
    this.#dayMs = options.dayMs ?? 86_400_000;
    this.#batchSize = options.batchSize ?? 200;
    this.#logger = options.logger;
  }

  /**
   * Sweeps now and then every `intervalMs` until {@link close}; a failed sweep is logged and the next one runs on
   * time (every action is idempotent).
   */
  schedule(intervalMs: number): void {
    const tick = (): void => {
      if (this.#abort.signal.aborted) return;
      this.run().catch((error: unknown) => this.#logger?.log('warn', 'lifecycle sweep failed', { error: error instanceof Error ? error.message : String(error) }));
    };
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  /** Stops the schedule, stops a running sweep after its batch and waits for it. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#running?.catch(() => {});
  }

  /** Runs one sweep over every bucket with lifecycle rules; a call while one runs waits for it and then sweeps again. */
  run(): Promise<LifecycleResult> {
    const signal = this.#abort.signal;
    const sweep = async (): Promise<LifecycleResult> => this.#sweep(signal);
    const next = (this.#running ?? Promise.resolve()).then(sweep, sweep);
    this.#running = next.finally(() => {
      if (this.#running === next) this.#running = undefined;
    }) as Promise<LifecycleResult>;
    return next;
  }

  async #sweep(signal: AbortSignal): Promise<LifecycleResult> {
    const result: LifecycleResult = { expiredVersions: 0, expiredObjects: 0, removedMarkers: 0, abortedUploads: 0 };
    for (const bucket of this.#index.listBuckets()) {
      if (bucket.lifecycle === null) continue;
      for (const rule of JSON.parse(bucket.lifecycle) as LifecycleRule[]) {
        if (!rule.enabled) continue;
        const now = this.#clock.now();
        if (rule.noncurrentVersionExpiration) result.expiredVersions += await this.#drain(this.#noncurrentPass(bucket.name, rule, now), signal);
        if (rule.expiration?.days !== undefined || rule.expiration?.date !== undefined) result.expiredObjects += await this.#drain(this.#expirationPass(bucket.name, rule, now), signal);
        if (rule.expiration?.expiredObjectDeleteMarker) result.removedMarkers += await this.#drain(this.#markerPass(bucket.name, rule), signal);
        if (rule.abortIncompleteMultipartUpload) result.abortedUploads += await this.#drain(this.#abortPass(bucket.name, rule, now), signal);
        if (signal?.aborted) return result;
      }
    }
    if (result.expiredVersions + result.expiredObjects + result.removedMarkers + result.abortedUploads > 0) this.#logger?.log('info', 'lifecycle sweep finished', { ...result });
    return result;
  }

  /** Runs a pass in batches, one index transaction each; returns how many rows it acted on. */
  async #drain(pass: Pass, signal: AbortSignal | undefined): Promise<number> {
    let acted = 0;
    let cursor: { key: string; id: string } | undefined;
    for (;;) {
      if (signal?.aborted) return acted;
      const batch = pass.candidates(cursor, this.#batchSize);
      if (batch.length === 0) return acted;
      cursor = { key: batch[batch.length - 1]!.key, id: batch[batch.length - 1]!.id };
      const freed = await this.#index.commit(() => batch.map((candidate) => pass.apply(candidate.row)).filter((blobs) => blobs !== undefined));
      acted += freed.length;
      await this.#blobs.remove(freed.flat());
      await yieldToLoop();
    }
  }

  /** `bucket = ? AND key >= prefix AND key < successor` plus the cursor, as SQL and parameters. */
  #range(bucket: string, prefix: string, cursor: { key: string; id: string } | undefined, idColumn: string, idOrder: 'ASC' | 'DESC'): { sql: string; args: (string | number)[] } {
    const upper = prefixSuccessor(prefix);
    let sql = 'bucket = ? AND key >= ?';
    const args: (string | number)[] = [bucket, prefix];
    if (upper !== undefined) {
      sql += ' AND key < ?';
      args.push(upper);
    }
    if (cursor) {
      sql += ` AND (key > ? OR (key = ? AND ${idColumn} ${idOrder === 'ASC' ? '>' : '<'} ?))`;
      args.push(cursor.key, cursor.key, idColumn === 'seq' ? Number(cursor.id) : cursor.id);
    }
    return { sql, args };
  }

  /** Version rows in `where` that also satisfy `extra` (a fixed SQL text whose `?` take `extraArgs`), by key then newest first. */
  #objects(where: { sql: string; args: (string | number)[] }, extra: string, extraArgs: number[], limit: number): ObjectRow[] {
    return (this.#index.statement(`SELECT * FROM objects WHERE ${where.sql} AND ${extra} ORDER BY key, seq DESC LIMIT ?`)
      .all(...where.args, ...extraArgs, limit) as Row[]).map(objectOf);
  }

  #noncurrentPass(bucket: string, rule: LifecycleRule, now: number): Pass {
    const { noncurrentDays, newerNoncurrentVersions = 0 } = rule.noncurrentVersionExpiration!;
    const cutoff = now - noncurrentDays * this.#dayMs;
    const newerCount = (row: ObjectRow): number => Number((this.#index.statement(
      'SELECT count(*) AS n FROM objects WHERE bucket = ? AND key = ? AND seq > ? AND noncurrent_since IS NOT NULL',
    ).get(row.bucket, row.key, row.seq) as Row).n);
    return {
      candidates: (cursor, limit) => this.#objects(this.#range(bucket, rule.prefix, cursor, 'seq', 'DESC'), 'noncurrent_since IS NOT NULL AND noncurrent_since <= ?', [cutoff], limit)
        .map((row) => ({ key: row.key, id: String(row.seq), row })),
      apply: (candidate) => {
        const row = candidate as ObjectRow;
        const fresh = this.#index.versions.version(row.bucket, row.key, row.versionId);
        if (!fresh || fresh.objectId !== row.objectId || fresh.noncurrentSince === null || fresh.noncurrentSince > cutoff) return undefined;
        if (!hasTags(fresh, rule) || newerCount(fresh) < newerNoncurrentVersions) return undefined;
        return this.#index.versions.deleteVersion(row.bucket, row.key, row.versionId).removed;
      },
    };
  }

  #expirationPass(bucket: string, rule: LifecycleRule, now: number): Pass {
    const { days, date } = rule.expiration!;
    const cutoff = days !== undefined ? now - days * this.#dayMs : Date.parse(date!) <= now ? Number.MAX_SAFE_INTEGER : -1;
    return {
      candidates: (cursor, limit) => this.#objects(this.#range(bucket, rule.prefix, cursor, 'seq', 'DESC'), 'noncurrent_since IS NULL AND delete_marker = 0 AND modified <= ?', [cutoff], limit)
        .map((row) => ({ key: row.key, id: String(row.seq), row })),
      apply: (candidate) => {
        const row = candidate as ObjectRow;
        const current = this.#index.versions.current(row.bucket, row.key);
        if (!current || current.objectId !== row.objectId || !hasTags(current, rule)) return undefined;
        const versioning = this.#index.getBucket(row.bucket)?.versioning ?? null;
        return this.#index.versions.deleteCurrent(versioning, row.bucket, row.key, this.#clock.now()).removed;
      },
    };
  }

  #markerPass(bucket: string, rule: LifecycleRule): Pass {
    const onlyVersion = (row: ObjectRow): boolean =>
      Number((this.#index.statement('SELECT count(*) AS n FROM objects WHERE bucket = ? AND key = ?').get(row.bucket, row.key) as Row).n) === 1;
    return {
      candidates: (cursor, limit) => this.#objects(this.#range(bucket, rule.prefix, cursor, 'seq', 'DESC'), 'noncurrent_since IS NULL AND delete_marker = 1', [], limit)
        .map((row) => ({ key: row.key, id: String(row.seq), row })),
      apply: (candidate) => {
        const row = candidate as ObjectRow;
        const current = this.#index.versions.current(row.bucket, row.key);
        if (!current || current.objectId !== row.objectId || !onlyVersion(current)) return undefined;
        return this.#index.versions.deleteVersion(row.bucket, row.key, row.versionId).removed;
      },
    };
  }

  #abortPass(bucket: string, rule: LifecycleRule, now: number): Pass {
    const cutoff = now - rule.abortIncompleteMultipartUpload!.daysAfterInitiation * this.#dayMs;
    return {
      candidates: (cursor, limit) => {
        const where = this.#range(bucket, rule.prefix, cursor, 'upload_id', 'ASC');
        return (this.#index.statement(`SELECT * FROM uploads WHERE ${where.sql} AND initiated <= ? ORDER BY key, upload_id LIMIT ?`).all(...where.args, cutoff, limit) as Row[])
          .map(uploadOf).map((upload) => ({ key: upload.key, id: upload.uploadId, row: upload }));
      },
      apply: (candidate) => {
        const upload = candidate as ReturnType<typeof uploadOf>;
        return this.#index.getUpload(upload.uploadId) ? this.#index.removeUpload(upload.uploadId) : undefined;
      },
    };
  }
}

/** Whether a version carries every tag of the rule's filter. */
function hasTags(row: ObjectRow, rule: LifecycleRule): boolean {
  return rule.tags.every((wanted) => row.tags.some((tag) => tag.key === wanted.key && tag.value === wanted.value));
}
