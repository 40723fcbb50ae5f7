/** Group commit for the journal: the rows of many finished files in one transaction, each in its own savepoint. */
import type { Journal } from './journal.ts';

interface Pending {
  work: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Collects journal writes of files that finished at about the same time and commits them together, after `delayMs`
 * (default 0: the files whose answers arrived in the same turn of the event loop) or once `maxPending` are waiting: a
 * commit per small file cost more than its upload's client side. Longer delays widen the window in which a file
 * renamed right after its upload is seen as changed before its row says synced (then copied, not moved).
 * {@link commit} resolves only after the COMMIT returned, so a caller reports a file as synced only once its row is
 * written; a crash before that loses at most the rows of one batch, whose files are then uploaded again (never
 * recorded as synced without being confirmed). Each write runs in its own SAVEPOINT: one that throws is rolled back
 * alone and rejects its own promise.
 */
export class JournalBatch {
  readonly #journal: Journal;
  readonly #delayMs: number;
  readonly #maxPending: number;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(journal: Journal, options: { delayMs?: number; maxPending?: number } = {}) {
    this.#journal = journal;
    this.#delayMs = options.delayMs ?? 0;
    this.#maxPending = options.maxPending ?? 64;
  }

  /** Runs `work` (synchronous journal writes) in the next batch; resolves once that batch is committed. */
  commit(work: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ work, resolve, reject });
      if (this.#pending.length >= this.#maxPending) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
    });
  }

  /** Commits everything waiting now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const { db } = this.#journal;
    const failures = new Map<Pending, unknown>();
    try {
      this.#journal.transaction(() => {
        for (const item of batch) {
          db.exec('SAVEPOINT file');
          try {
            item.work();
            db.exec('RELEASE file');
          } catch (error) {
            db.exec('ROLLBACK TO file');
            db.exec('RELEASE file');
            failures.set(item, error);
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) {
      if (failures.has(item)) item.reject(failures.get(item));
      else item.resolve();
    }
  }
}
