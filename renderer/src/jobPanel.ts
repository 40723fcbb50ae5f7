/** The progress, controls and result of one bucket job (audit, encryption or restore), updated in place. */
import type { BucketJob, CosSyncApi } from '../../core/app/contract.ts';
import { h, progressBar, replaceChildren } from './dom.ts';
import { formatBytes, formatCount } from './format.ts';

/** A job panel: `render` shows a job (or nothing). */
export interface JobPanel {
  element: HTMLElement;
  render(job: BucketJob | null): void;
}

const verbs: Record<BucketJob['kind'], string> = { audit: 'Checking', encrypt: 'Encrypting', restore: 'Restoring' };
const names: Record<BucketJob['kind'], string> = { audit: 'Check', encrypt: 'Encryption', restore: 'Restore' };

/** Progress text: "1,234 of 5,000 objects" / "12.0 MiB of 100 MiB", or the count so far while the total is unknown. */
export function jobProgressText(job: BucketJob): string {
  const amount = (value: number): string => (job.unit === 'bytes' ? formatBytes(value) : formatCount(value));
  const of = job.total === null ? `${amount(job.done)}${job.unit === 'objects' ? ' objects' : ''} so far (still listing)` : `${amount(job.done)} of ${amount(job.total)}${job.unit === 'objects' ? ' objects' : ''}`;
  return `${job.state === 'paused' ? 'Paused' : verbs[job.kind]}: ${of}`;
}

/** Builds a panel whose buttons pause, resume and cancel through `api`. */
export function createJobPanel(api: Pick<CosSyncApi, 'controlBucketJob'>, run: (label: string, action: () => Promise<unknown>) => void, testId: string): JobPanel {
  let shown: BucketJob | null = null;
  const text = h('p', { class: 'job-text', 'aria-live': 'polite', 'data-testid': `${testId}-text` });
  const bar = progressBar('Progress', `${testId}-progress`);
  const pause = h('button', { type: 'button', class: 'button', 'data-testid': `${testId}-pause` }, 'Pause');
  const cancel = h('button', { type: 'button', class: 'button danger-quiet', 'data-testid': `${testId}-cancel` }, 'Cancel');
  const controls = h('div', { class: 'actions' }, pause, cancel);
  const summary = h('p', { class: 'job-summary', 'data-testid': `${testId}-summary` });
  const problems = h('ul', { class: 'job-problems', 'data-testid': `${testId}-problems` });
  const element = h('div', { class: 'job', 'data-testid': testId }, text, bar.element, controls, summary, problems);
  pause.addEventListener('click', () => {
    if (!shown) return;
    const action = shown.state === 'paused' ? 'resume' : 'pause';
    run(action === 'pause' ? 'Pause' : 'Resume', () => api.controlBucketJob(shown!.id, action));
  });
  cancel.addEventListener('click', () => shown && run('Cancel', () => api.controlBucketJob(shown!.id, 'cancel')));
  return {
    element,
    render(job) {
      shown = job;
      element.hidden = job === null;
      if (!job) return;
      const active = job.state === 'running' || job.state === 'paused';
      text.textContent = active ? jobProgressText(job) : `${names[job.kind]} ${job.state === 'done' ? 'finished' : job.state} at ${new Date(job.finishedAt ?? job.startedAt).toLocaleTimeString('en-GB')}`;
      bar.set(job.total ? job.done / job.total : active ? 0 : 1, jobProgressText(job));
      bar.element.hidden = !active;
      controls.hidden = !active;
      pause.textContent = job.state === 'paused' ? 'Resume' : 'Pause';
      summary.hidden = job.summary === null;
      summary.textContent = job.summary ?? '';
      summary.className = `job-summary${job.error ? ' job-summary-error' : ''}`;
      if (job.error?.hint) summary.append(h('span', { class: 'hint' }, ` How to fix: ${job.error.hint}`));
      replaceChildren(problems, ...job.problems.map((problem) => h('li', {}, h('span', { class: `badge badge-${problem.outcome === 'failed' || problem.outcome === 'refused' ? 'warn' : 'muted'}` }, problem.outcome), ' ', h('code', {}, problem.key), ` ${problem.message}`)));
      problems.hidden = job.problems.length === 0;
    },
  };
}
