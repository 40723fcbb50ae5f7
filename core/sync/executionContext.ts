/** What the executor needs from its folder loop: journal, store, limits and event sinks. */
import type { Clock } from '../common/clock.ts';
import type { Journal } from './journal.ts';
import type { RemoteStore } from './remoteStore.ts';
import type { ActivityEvent, FileStatusEvent } from './syncStatus.ts';
import type { TokenBucket } from './tokenBucket.ts';

/** Dependencies and sinks of one execution (one pass of one folder). */
export interface ExecutionContext {
  folderId: string;
  /** Absolute local root. */
  root: string;
  /** Normalised key prefix ('' or ending with '/'). */
  prefix: string;
  journal: Journal;
  store: RemoteStore;
  clock: Clock;
  /** Files in flight at once. */
  concurrency: number;
  /** Shared bandwidth limit. */
  bandwidth?: TokenBucket;
  /** Aborts every transfer of the pass (pause, stop). */
  signal: AbortSignal;
  /** Retry delay after "file changed during upload". Default 10 s. */
  changedRetryMs?: number;
  emitFile(event: FileStatusEvent): void;
  emitActivity(event: ActivityEvent): void;
  /** Bytes sent (deltas), for progress and rate. */
  onBytes(delta: number): void;
  /** A file finished (whatever the outcome), for progress. */
  onFileDone(bytes: number): void;
}
