/** The executor: applies planned actions through the RemoteStore and records every outcome in the journal. */
import { CosSyncError, retryClassOf } from '../common/errors.ts';
import type { ExecutionContext } from './executionContext.ts';
import type { Action, HashedFile } from './planner.ts';
import { failFile, recordActivity, uploadOne } from './uploader.ts';

/** What one execution achieved. */
export interface ExecutionResult {
  /** Actions that completed. */
  done: number;
  /** Actions that failed (error recorded with backoff). */
  failed: number;
  /** Paths that changed or vanished since the scan: rescan them. */
  changedPaths: string[];
  /** Set when an 'auth' or 'offline' error stopped the pass; the loop pauses and probes. */
  halted?: unknown;
  /** Remote deletes skipped because the pass had failures. */
  deletesDeferred: number;
}

type Transfer = Extract<Action, { type: 'upload' | 'identical' | 'copy' | 'move' }>;
type Removal = Extract<Action, { type: 'delete' | 'backup' }>;

/** Bytes an action sends (for progress totals). */
export function actionBytes(action: Action): number {
  return action.type === 'upload' ? action.file.size : 0;
}

/**
 * Runs `actions` (as sorted by the planner): journal-only actions first, then transfers with `concurrency` files in
 * flight, then remote deletes — only when every transfer succeeded (delete only after an error-free pass). An
 * 'auth'/'offline' error aborts the remaining work and is returned in `halted`.
 */
export async function executeActions(actions: readonly Action[], outer: ExecutionContext): Promise<ExecutionResult> {
  // A halt aborts the siblings still in flight (they go back to 'queued'), not only the work not yet started.
  const controller = new AbortController();
  const forward = (): void => controller.abort(outer.signal.reason);
  if (outer.signal.aborted) forward();
  else outer.signal.addEventListener('abort', forward, { once: true });
  try {
    return await executeWithin(actions, { ...outer, signal: controller.signal }, controller);
  } finally {
    outer.signal.removeEventListener('abort', forward);
  }
}

async function executeWithin(actions: readonly Action[], context: ExecutionContext, controller: AbortController): Promise<ExecutionResult> {
  const result: ExecutionResult = { done: 0, failed: 0, changedPaths: [], deletesDeferred: 0 };
  const { journal, folderId } = context;
  const transfers: Transfer[] = [];
  const removals: Removal[] = [];

  journal.transaction(() => {
    for (const action of actions) {
      switch (action.type) {
        case 'upload':
          journal.setLocal(folderId, action.path, 'queued', action.file, action.file.crc64);
          context.emitFile({ folderId, path: action.path, state: 'queued' });
          transfers.push(action);
          break;
        case 'identical':
        case 'copy':
        case 'move':
          transfers.push(action);
          break;
        case 'delete':
        case 'backup':
          removals.push(action);
          break;
        case 'refresh': {
          const previous = journal.get(folderId, action.path)?.state;
          journal.setLocal(folderId, action.path, previous === 'identical' ? 'identical' : 'synced', action.file, action.file.crc64);
          result.done++;
          break;
        }
        case 'forget-local':
          journal.setState(folderId, action.path, 'deleted-locally');
          context.emitFile({ folderId, path: action.path, state: 'deleted-locally' });
          result.done++;
          break;
        case 'drop':
          journal.remove(folderId, action.path);
          result.done++;
          break;
        case 'exclude':
          journal.setLocal(folderId, action.path, 'excluded', { size: action.size, mtimeMs: action.mtimeMs, inode: undefined }, undefined, action.reason);
          context.emitFile({ folderId, path: action.path, state: 'excluded', reason: action.reason });
          result.done++;
          break;
        case 'fail':
          journal.setLocal(folderId, action.path, 'error', action, undefined);
          failFile(context, action.path, Object.assign(new Error(`The file could not be read: ${action.message}`), { code: 'Unreadable' }));
          result.failed++;
          break;
        default:
          break; // confirm/refuse/defer are folder states, handled by the loop.
      }
    }
  });

  await pool(transfers, context, result, controller, (action) => runTransfer(action, context, result));
  if (result.halted !== undefined || context.signal.aborted) return result;
  if (result.failed > 0) {
    result.deletesDeferred = removals.length;
    return result;
  }
  await pool(removals, context, result, controller, (action) => runRemoval(action, context));
  return result;
}

/** Runs `work` over `items` with the context's concurrency; stops taking new items once halted or aborted. */
async function pool<T extends Action>(items: T[], context: ExecutionContext, result: ExecutionResult, controller: AbortController, work: (item: T) => Promise<boolean>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && result.halted === undefined && !context.signal.aborted) {
      const item = items[next++]!;
      try {
        if (await work(item)) result.done++;
        else result.failed++;
      } catch (error) {
        if (result.halted !== undefined || retryClassOf(error) === 'cancelled') continue;
        if (context.signal.aborted) continue;
        result.halted = error;
        controller.abort(new CosSyncError('Halted', 'The remote is unavailable.', { retry: 'cancelled' }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(context.concurrency, items.length)) }, worker));
}

/** One transfer; true when done, false when failed or changed (recorded), throws to halt. */
async function runTransfer(action: Transfer, context: ExecutionContext, result: ExecutionResult): Promise<boolean> {
  const { journal, folderId, store, prefix, signal } = context;
  if (action.type === 'upload') {
    const outcome = await uploadOne(context, action.file, action.replaces);
    context.onFileDone(action.file.size);
    if (outcome === 'changed') result.changedPaths.push(action.path);
    return outcome === 'uploaded' || outcome === 'identical' || outcome === 'changed';
  }
  const file: HashedFile = action.file;
  if (action.type === 'identical') {
    journal.markRemote(folderId, action.path, 'identical', file, { crc64: file.crc64, etag: action.remote.etag, encryption: undefined, uploaded: false });
    context.emitFile({ folderId, path: action.path, state: 'identical' });
    recordActivity(context, { path: action.path, action: 'identical', bytes: file.size });
    return true;
  }
  try {
    const copied = await store.copyObject(prefix + action.from, prefix + action.path, signal);
    // The source object may have been replaced by someone else since it was recorded: never record a copy of other content.
    if (copied.crc64 !== undefined && copied.crc64 !== file.crc64) {
      throw new CosSyncError('Crc64Mismatch', `The copy of ${action.from} does not hold the local content of ${action.path}.`, { retry: 'retry' });
    }
    journal.markRemote(folderId, action.path, 'synced', file, { crc64: file.crc64, etag: copied.etag, encryption: copied.encryption, uploaded: true });
    if (action.type === 'move') {
      await store.deleteObject(prefix + action.from, signal);
      journal.remove(folderId, action.from);
    }
    context.emitFile({ folderId, path: action.path, state: 'synced', encryption: copied.encryption });
    recordActivity(context, { path: action.path, action: action.type === 'move' ? 'moved' : 'copied', detail: `from ${action.from}` });
    return true;
  } catch (error) {
    const retry = retryClassOf(error);
    if (signal.aborted || retry === 'cancelled' || retry === 'auth' || retry === 'offline') throw error;
    // The source object is gone or cannot be copied: upload the content instead and keep the old key (conservative).
    if (action.type === 'move' && journal.get(folderId, action.from)) journal.setState(folderId, action.from, 'deleted-locally');
    const outcome = await uploadOne(context, file);
    if (outcome === 'changed') result.changedPaths.push(action.path);
    return outcome !== 'failed';
  }
}

/** One remote delete or backup move; true when done, false when failed (recorded), throws to halt. */
async function runRemoval(action: Removal, context: ExecutionContext): Promise<boolean> {
  const { journal, folderId, store, prefix, signal } = context;
  try {
    if (action.type === 'backup') await store.copyObject(prefix + action.path, prefix + action.trashPath, signal);
    await store.deleteObject(prefix + action.path, signal);
    journal.remove(folderId, action.path);
    context.emitFile({ folderId, path: action.path, state: 'deleted-remote' });
    recordActivity(context, { path: action.path, action: action.type === 'backup' ? 'backed-up' : 'deleted-remote', bytes: action.size, ...(action.type === 'backup' ? { detail: action.trashPath } : {}) });
    return true;
  } catch (error) {
    const retry = retryClassOf(error);
    if (signal.aborted || retry === 'cancelled' || retry === 'auth' || retry === 'offline') throw error;
    failFile(context, action.path, error);
    return false;
  }
}
