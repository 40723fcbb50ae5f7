/** Master key management over the index: status (what each version still seals), rotate, resumable rewrap sweep, retire. */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { CosSyncError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { MASTER_KEY_ID, rewrapDataKey, type Keyring } from '../../crypto/index.ts';
import { segmentContext } from './dataKeys.ts';
import { segmentOf, type EngineIndex } from '../storage/engineIndex.ts';

/** One master key version and what it still seals. */
export interface KeyVersionStatus {
  /** `sse-cos` for the SSE-COS master key, else a KMS key id. */
  keyId: string;
  version: number;
  state: 'active' | 'retired';
  /** ISO 8601 creation time. */
  createdAt: string;
  /** Objects with at least one data key sealed by this version. */
  objects: number;
  /** Parts of unfinished multipart uploads sealed by this version. */
  parts: number;
}

/** Outcome of a rewrap run. */
export interface RewrapResult {
  /** Data keys re-sealed under the active version in this run. */
  rewrapped: number;
  /** Data keys that could not be re-sealed (missing master version, damaged metadata); logged. */
  failed: number;
  /** Data keys still sealed by a non-active version after the run. */
  remaining: number;
}

/** How far the running rewrap sweep is: data keys done so far out of those sealed by older versions when it began. */
export interface RewrapProgress {
  rewrapped: number;
  failed: number;
  /** Data keys sealed by non-active versions when the sweep began. */
  total: number;
  /** Milliseconds since the Unix epoch. */
  startedAt: number;
}

/** Options of {@link EngineKeys.rewrap}. */
export interface RewrapOptions {
  /** Data keys per index transaction (default 200). */
  batchSize?: number;
  /** Stops the sweep after the current batch; what is done stays done, a later run continues. */
  signal?: AbortSignal;
  /** Called after every batch. */
  onProgress?(progress: RewrapProgress): void;
}

/** Key operations the engine handle and the desktop app expose. */
export interface EngineKeys {
  /** Every version of every master key with its state, creation date and reference counts. */
  status(): Promise<KeyVersionStatus[]>;
  /** Makes a new version of `keyId` (default the SSE-COS master key) active; new writes use it at once. */
  rotate(keyId?: string): Promise<{ keyId: string; version: number }>;
  /**
   * Re-seals data keys sealed by non-active versions, in batches (one group commit each, so reads and writes go on
   * between batches); safe to interrupt (signal, crash) and re-run. One sweep runs at a time: a second caller waits
   * for the running one and then sweeps what is left.
   */
  rewrap(options?: RewrapOptions): Promise<RewrapResult>;
  /** The running sweep's progress (whoever started it), or undefined when none runs. */
  rewrapProgress(): RewrapProgress | undefined;
  /** Deletes a non-active version that seals nothing (throws `KeyInUse` otherwise). */
  retire(version: number, keyId?: string): Promise<void>;
}

/** Implements {@link EngineKeys} over an open index and keyring. `inFlight` reports seals of writes that have not committed yet. */
export class KeyService implements EngineKeys {
  readonly #index: EngineIndex;
  readonly #keyring: Keyring;
  readonly #inFlight: (keyId: string, version: number) => boolean;
  readonly #logger: Logger | undefined;
  #running: Promise<RewrapResult> | undefined;
  #progress: RewrapProgress | undefined;

  constructor(index: EngineIndex, keyring: Keyring, options: { inFlight?: (keyId: string, version: number) => boolean; logger?: Logger } = {}) {
    this.#index = index;
    this.#keyring = keyring;
    this.#inFlight = options.inFlight ?? (() => false);
    this.#logger = options.logger;
  }

  #counts(): Map<string, { objects: number; parts: number }> {
    const rows = this.#index.statement(`SELECT seal_key_id, seal_version, COUNT(DISTINCT object_id) AS objects,
      SUM(CASE WHEN object_id IS NULL THEN 1 ELSE 0 END) AS parts FROM segments WHERE seal_key_id IS NOT NULL GROUP BY seal_key_id, seal_version`).all() as Record<string, unknown>[];
    return new Map(rows.map((row) => [`${String(row.seal_key_id)}#${Number(row.seal_version)}`, { objects: Number(row.objects), parts: Number(row.parts ?? 0) }]));
  }

  async status(): Promise<KeyVersionStatus[]> {
    const counts = this.#counts();
    return this.#keyring.keyIds().flatMap((keyId) => this.#keyring.versions(keyId).map((info) => ({
      keyId, version: info.version, state: info.state, createdAt: new Date(info.createdAt).toISOString(),
      ...(counts.get(`${keyId}#${info.version}`) ?? { objects: 0, parts: 0 }),
    })));
  }

  async rotate(keyId: string = MASTER_KEY_ID): Promise<{ keyId: string; version: number }> {
    const key = await this.#keyring.rotate(keyId);
    this.#logger?.log('info', 'master key rotated', { keyId, version: key.version });
    return { keyId, version: key.version };
  }

  rewrapProgress(): RewrapProgress | undefined {
    return this.#progress && { ...this.#progress };
  }

  rewrap(options: RewrapOptions = {}): Promise<RewrapResult> {
    // One sweep at a time; a second caller waits for the running one and then sweeps what is left.
    const run = async (): Promise<RewrapResult> => {
      this.#progress = { rewrapped: 0, failed: 0, total: this.#remaining(), startedAt: Date.now() };
      try {
        return await this.#sweep(options.batchSize ?? 200, options.signal, options.onProgress);
      } finally {
        this.#progress = undefined;
      }
    };
    const next = (this.#running ?? Promise.resolve()).then(run, run);
    this.#running = next.finally(() => {
      if (this.#running === next) this.#running = undefined;
    }) as Promise<RewrapResult>;
    return next;
  }

  async #sweep(batchSize: number, signal: AbortSignal | undefined, onProgress: RewrapOptions['onProgress']): Promise<RewrapResult> {
    let rewrapped = 0;
    let failed = 0;
    const progress = this.#progress!;
    const report = (): void => {
      Object.assign(progress, { rewrapped, failed });
      onProgress?.({ ...progress });
    };
    report();
    for (const keyId of this.#keyring.keyIds()) {
      let cursor = '';
      for (;;) {
        if (signal?.aborted) return { rewrapped, failed, remaining: this.#remaining() };
        const active = this.#keyring.active(keyId).version;
        const rows = (this.#index.statement(`SELECT * FROM segments WHERE seal_key_id = ? AND seal_version <> ? AND blob_id > ?
          ORDER BY blob_id LIMIT ?`).all(keyId, active, cursor, batchSize) as Record<string, unknown>[]).map(segmentOf);
        if (rows.length === 0) break;
        cursor = rows[rows.length - 1]!.blobId;
        const updates: { blobId: string; old: string; text: string; version: number }[] = [];
        for (const segment of rows) {
          try {
            const context = segmentContext(segment.bucket, segment.key, segment.uploadId, segment.partNumber, segment.blobId);
            const sealed = rewrapDataKey(this.#keyring, segment.sealedKey!, context);
            updates.push({ blobId: segment.blobId, old: segment.sealedKey!, text: sealed.text, version: sealed.version });
          } catch (error) {
            failed++;
            this.#logger?.log('warn', 'rewrap failed for a blob', { blobId: segment.blobId, error: error instanceof Error ? error.message : String(error) });
          }
        }
        // Conditional on the old text: a row replaced or rewrapped meanwhile is left alone. The group commit fsyncs
        // off the event loop, together with the writes queued in the same turn.
        rewrapped += await this.#index.commit(() => updates.reduce((sum, update) => sum + Number(this.#index.statement(
          'UPDATE segments SET sealed_key = ?, seal_version = ? WHERE blob_id = ? AND sealed_key = ?',
        ).run(update.text, update.version, update.blobId, update.old).changes), 0));
        report();
        await yieldToLoop();
      }
    }
    const result = { rewrapped, failed, remaining: this.#remaining() };
    if (rewrapped > 0 || failed > 0) this.#logger?.log('info', 'rewrap sweep finished', { ...result });
    return result;
  }

  #remaining(): number {
    let remaining = 0;
    for (const keyId of this.#keyring.keyIds()) {
      const active = this.#keyring.active(keyId).version;
      const row = this.#index.statement('SELECT COUNT(*) AS n FROM segments WHERE seal_key_id = ? AND seal_version <> ?').get(keyId, active) as Record<string, unknown>;
      remaining += Number(row.n);
    }
    return remaining;
  }

  async retire(version: number, keyId: string = MASTER_KEY_ID): Promise<void> {
    const info = this.#keyring.versions(keyId).find((entry) => entry.version === version);
    if (!info) throw new CosSyncError('KeyNotFound', `Version ${version} of ${keyId} is not in the keyring.`);
    if (info.state === 'active') throw new CosSyncError('KeyInUse', `Version ${version} of ${keyId} is the active key.`, { hint: 'Rotate first, then rewrap, then retire.' });
    const used = this.#counts().get(`${keyId}#${version}`);
    if ((used && (used.objects > 0 || used.parts > 0)) || this.#inFlight(keyId, version)) {
      throw new CosSyncError('KeyInUse', `Version ${version} of ${keyId} still seals ${used?.objects ?? 0} object(s) and ${used?.parts ?? 0} part(s).`, {
        hint: 'Run `cos-sync keys rewrap` first.',
      });
    }
    await this.#keyring.remove(version, keyId);
    this.#logger?.log('info', 'master key version retired', { keyId, version });
  }
}
