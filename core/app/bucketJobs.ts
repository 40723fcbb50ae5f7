/** BucketJobs: runs the app's audits, in-place encryptions and restores as cancellable, pausable jobs with progress events. */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { CosSyncError, describeError, retryClassOf } from '../common/errors.ts';
import { PauseGate } from '../common/pauseGate.ts';
import type { CosClient } from '../cos/cosClient.ts';
import { auditBucket, type AuditReport } from '../backup/auditBucket.ts';
import { EncryptJournal } from '../backup/encryptJournal.ts';
import { encryptInPlace } from '../backup/encryptInPlace.ts';
import { restoreObjects } from '../backup/restoreObjects.ts';
import type { AppErrorInfo, AppEvent, BucketAudit, BucketJob, BucketJobRequest } from './contract.ts';

/** Where a job's bucket is: a profile's client, bucket and prefix. */
export interface JobTarget {
  profileId: string;
  bucket: string;
  prefix: string;
  client: CosClient;
}

/** What {@link BucketJobs} needs from the service. */
export interface BucketJobsOptions {
  /** Folder for encrypt journals. */
  dataDir: string;
  /** The client, bucket and prefix of a profile (default profile when undefined); throws when it has none. */
  profileTarget(profileId: string | undefined, prefix: string): JobTarget;
  /** The client, bucket and prefix of a synced folder; throws for an unknown folder. */
  folderTarget(folderId: string): JobTarget;
  emit(event: AppEvent): void;
  /** Writes a line to the activity log. */
  record(message: string): void;
  /** Clock (tests). */
  now?: () => number;
}

interface RunningJob {
  view: BucketJob;
  controller: AbortController;
  gate: PauseGate;
  lastEmit: number;
}

const PLAINTEXT_SHOWN = 500;
const PROBLEMS_SHOWN = 50;

/** The contract view of an audit report. */
export function auditView(report: AuditReport): BucketAudit {
  return { objects: report.objects, bytes: report.bytes, byKind: report.byKind, kmsKeys: report.kmsKeys, plaintext: report.plaintext.slice(0, PLAINTEXT_SHOWN), plaintextTotal: report.plaintext.length, errors: report.errors.length };
}

function errorInfo(error: unknown): AppErrorInfo {
  const source = error as { code?: unknown; hint?: unknown };
  return {
    code: typeof source.code === 'string' ? source.code : 'Error',
    message: error instanceof CosSyncError ? error.message : describeError(error),
    ...(typeof source.hint === 'string' ? { hint: source.hint } : {}),
    retry: retryClassOf(error),
  };
}

/** The jobs of one service session; each runs in the background and reports through `bucket-job` events. */
export class BucketJobs {
  readonly #options: BucketJobsOptions;
  readonly #jobs = new Map<string, RunningJob>();
  readonly #running = new Set<Promise<void>>();
  readonly #now: () => number;

  constructor(options: BucketJobsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Every job, newest first. */
  list(): BucketJob[] {
    return [...this.#jobs.values()].map((job) => structuredClone(job.view)).toReversed();
  }

  /** Validates `request`, starts the job and returns its first view. Only one encryption or restore runs per target at a time. */
  start(request: BucketJobRequest): BucketJob {
    const target = request.kind === 'restore' ? this.#options.folderTarget(request.folderId) : this.#options.profileTarget(request.profileId, request.prefix ?? '');
    if (request.kind === 'restore' && !path.isAbsolute(request.destination)) {
      throw new CosSyncError('InvalidArgument', `The destination '${request.destination}' is not an absolute path.`, { hint: 'Enter a full path such as /home/you/Restored.' });
    }
    const busy = [...this.#jobs.values()].find((job) => (job.view.state === 'running' || job.view.state === 'paused') && job.view.kind === request.kind && job.view.bucket === target.bucket && job.view.profileId === target.profileId);
    if (busy && request.kind !== 'audit') throw new CosSyncError('JobRunning', `A ${request.kind} of ${target.bucket} is already running.`, { hint: 'Wait for it to finish or cancel it first.' });
    const view: BucketJob = {
      id: randomUUID(), kind: request.kind, profileId: target.profileId, bucket: target.bucket, prefix: target.prefix,
      folderId: request.kind === 'restore' ? request.folderId : null, destination: request.kind === 'restore' ? path.resolve(request.destination) : null,
      state: 'running', startedAt: this.#now(), finishedAt: null, done: 0, total: null, unit: request.kind === 'restore' ? 'bytes' : 'objects',
      audit: null, counts: {}, summary: null, problems: [], error: null,
    };
    const job: RunningJob = { view, controller: new AbortController(), gate: new PauseGate(), lastEmit: 0 };
    this.#jobs.set(view.id, job);
    this.#emit(job, true);
    const running = this.#run(job, request, target);
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
    return structuredClone(view);
  }

  /** Pauses, resumes or cancels a job. */
  control(jobId: string, action: 'pause' | 'resume' | 'cancel'): BucketJob {
    const job = this.#jobs.get(jobId);
    if (!job) throw new CosSyncError('NoSuchJob', `There is no bucket job with id ${jobId}.`, { hint: 'Refresh the window.' });
    const active = job.view.state === 'running' || job.view.state === 'paused';
    if (active && action === 'pause') {
      job.gate.pause();
      job.view.state = 'paused';
    } else if (active && action === 'resume') {
      job.gate.resume();
      job.view.state = 'running';
    } else if (active && action === 'cancel') job.controller.abort(new CosSyncError('Cancelled', 'The job was cancelled.', { retry: 'cancelled' }));
    this.#emit(job, true);
    return structuredClone(job.view);
  }

  /** Cancels every running job (service shutdown) and waits until they have stopped. */
  async close(): Promise<void> {
    for (const job of this.#jobs.values()) job.controller.abort(new CosSyncError('Cancelled', 'COS Sync is shutting down.', { retry: 'cancelled' }));
    await Promise.allSettled(this.#running);
  }

  #emit(job: RunningJob, force = false): void {
    const now = this.#now();
    if (!force && now - job.lastEmit < 250) return;
    job.lastEmit = now;
    this.#options.emit({ type: 'bucket-job', job: structuredClone(job.view) });
  }

  #problem(job: RunningJob, key: string, outcome: string, message: string | undefined): void {
    if (job.view.problems.length < PROBLEMS_SHOWN) job.view.problems.push({ key, outcome, message: message ?? '' });
  }

  async #run(job: RunningJob, request: BucketJobRequest, target: JobTarget): Promise<void> {
    const { view, controller, gate } = job;
    const signal = controller.signal;
    const where = `${target.bucket}/${target.prefix}`;
    try {
      if (request.kind === 'audit') {
        const report = await auditBucket(target.client, target.bucket, {
          prefix: target.prefix, signal, gate,
          onProgress: (progress) => {
            view.done = progress.done;
            view.total = progress.listingComplete ? progress.listed : null;
            this.#emit(job);
          },
        });
        view.audit = auditView(report);
        view.counts = { objects: report.objects, plaintext: report.plaintext.length, errors: report.errors.length };
        for (const error of report.errors) this.#problem(job, error.key, 'failed', error.message);
        view.summary = `${report.objects} objects checked in ${where}: ${report.plaintext.length === 0 ? 'every object is encrypted' : `${report.plaintext.length} not encrypted`}${report.errors.length ? `, ${report.errors.length} could not be checked` : ''}.`;
      } else if (request.kind === 'encrypt') {
        const identity = createHash('sha256').update(`${target.profileId}\n${target.bucket}\n${target.prefix}`).digest('hex').slice(0, 16);
        const journal = await EncryptJournal.open(path.join(this.#options.dataDir, 'encrypt', `${identity}.jsonl`), target.bucket, target.prefix);
        try {
          const sse = request.sse === 'kms' ? { mode: 'kms' as const, ...(request.kmsKeyId ? { keyId: request.kmsKeyId } : {}) } : { mode: 'AES256' as const };
          const report = await encryptInPlace(target.client, { bucket: target.bucket, sse, singleCopyLimit: 5 * 1024 ** 3, partSize: 512 * 1024 ** 2, partConcurrency: 4, journal, signal }, {
            prefix: target.prefix, gate,
            onListed: (objects) => (view.total = objects),
            onObject: (object) => {
              view.done++;
              if (object.outcome === 'skipped' || object.outcome === 'failed') this.#problem(job, object.key, object.outcome, object.message);
              this.#emit(job);
            },
          });
          view.counts = { encrypted: report.encrypted, finishedEarlier: report.finishedEarlier, skipped: report.skipped.length, failed: report.failed.length, checked: report.objects };
          view.summary = `Encrypted ${report.encrypted} objects in ${where}${report.finishedEarlier ? ` (${report.finishedEarlier} more by an earlier run)` : ''}; ${report.skipped.length} skipped, ${report.failed.length} failed.`;
          if (report.failed.length > 0) view.error = { code: 'EncryptFailed', message: `${report.failed.length} object(s) could not be encrypted.`, hint: 'See the list below; nothing was rewritten without encryption.' };
        } finally {
          await journal.close();
        }
      } else {
        const report = await restoreObjects(target.client, target.bucket, request.destination, {
          prefix: target.prefix, overwrite: request.overwrite ?? false, signal, gate,
          onListed: (_objects, bytes) => (view.total = bytes),
          onBytes: (bytes) => {
            view.done = bytes;
            this.#emit(job);
          },
          onObject: (object) => {
            if (object.outcome === 'kept' || object.outcome === 'refused' || object.outcome === 'failed') this.#problem(job, object.key, object.outcome, object.message);
          },
        });
        view.done = view.total ?? view.done;
        view.counts = { restored: report.restored, identical: report.identical, kept: report.kept.length, refused: report.refused.length, failed: report.failed.length, objects: report.objects };
        view.summary = `Restored ${report.restored} of ${report.objects} files into ${view.destination}${report.identical ? ` (${report.identical} were already there)` : ''}; ${report.kept.length} kept, ${report.refused.length} refused, ${report.failed.length} failed.`;
      }
      view.state = view.error ? 'failed' : 'done';
    } catch (error) {
      const cancelled = signal.aborted;
      view.state = cancelled ? 'cancelled' : 'failed';
      view.error = cancelled ? null : errorInfo(error);
      view.summary = cancelled ? `Cancelled after ${view.done}${view.unit === 'bytes' ? ' bytes' : ' objects'}; run it again to continue.` : `Stopped: ${view.error!.message}`;
    }
    view.finishedAt = this.#now();
    this.#options.record(`${view.kind === 'audit' ? 'Audit' : view.kind === 'encrypt' ? 'Encryption' : 'Restore'} of ${where}: ${view.summary}`);
    this.#emit(job, true);
  }
}
