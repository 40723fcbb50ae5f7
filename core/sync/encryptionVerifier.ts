/** Background, rate-limited HEADs that confirm the encryption of objects the journal has not verified (e.g. 'identical' ones). */
import { retryClassOf } from '../common/errors.ts';
import type { Journal } from './journal.ts';
import type { RemoteStore } from './remoteStore.ts';
import type { SyncEmit } from './syncStatus.ts';
import type { TimerHandle, Timers } from './timers.ts';

/** Options of {@link EncryptionVerifier}. */
export interface EncryptionVerifierOptions {
  folderId: string;
  prefix: string;
  journal: Journal;
  store: RemoteStore;
  timers: Timers;
  /** Pause between two HEADs (low priority, bounded rate). */
  intervalMs: number;
  emit: SyncEmit;
  /** Called for errors other than 'retry' (the loop halts on auth/offline). */
  onError(error: unknown): void;
  /** The object is gone remotely: the row was re-queued; the loop should rescan the path. */
  onMissing(path: string): void;
}

/**
 * Verifies one unverified row per `intervalMs` while started; the folder loop starts it when idle and stops it when
 * a pass begins or the folder pauses. A HEAD without an encryption header is recorded as `none` (not encrypted).
 */
export class EncryptionVerifier {
  readonly #options: EncryptionVerifierOptions;
  #timer: TimerHandle | undefined;
  #running = false;
  #generation = 0;

  constructor(options: EncryptionVerifierOptions) {
    this.#options = options;
  }

  /** Starts (or keeps) verifying in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops after the HEAD in flight, if any. */
  stop(): void {
    this.#running = false;
    this.#generation++;
    if (this.#timer !== undefined) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    const generation = this.#generation;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      if (generation === this.#generation) void this.#verifyOne(generation);
    }, ms);
  }

  async #verifyOne(generation: number): Promise<void> {
    const { journal, folderId, store, prefix } = this.#options;
    if (!journal.db.isOpen) return;
    const [row] = journal.unverified(folderId, 1);
    if (!row) {
      this.#running = false;
      return;
    }
    try {
      const head = await store.headObject(prefix + row.path);
      if (generation !== this.#generation || !journal.db.isOpen) return;
      if (head) {
        const encryption = head.encryption ?? { algorithm: 'none' as const };
        journal.setVerified(folderId, row.path, encryption);
        this.#options.emit('file-status', row.state === 'identical' ? { folderId, path: row.path, state: 'identical', encryption } : { folderId, path: row.path, state: 'synced', encryption });
      } else {
        // The object vanished remotely: re-queue the row (it leaves the verification queue) so it is uploaded again.
        journal.setState(folderId, row.path, 'queued');
        this.#options.onMissing(row.path);
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      if (retryClassOf(error) !== 'retry') {
        this.stop();
        this.#options.onError(error);
        return;
      }
    }
    if (this.#running && generation === this.#generation) this.#schedule(this.#options.intervalMs);
  }
}
