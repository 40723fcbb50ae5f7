/** Chooses which app events become native notifications: folder errors and finished manual uploads. */
import type { AppEvent } from '../../core/app/contract.ts';

/** A notification's title and body, or null when the event should not notify. */
export function notificationFor(event: AppEvent): { title: string; body: string } | null {
  if (event.type === 'folder-status' && event.status.kind === 'error') {
    return { title: 'COS Sync needs attention', body: event.status.hint ? `${event.status.message} ${event.status.hint}` : event.status.message };
  }
  if (event.type === 'upload-finished' && event.remaining === 0) {
    const failed = event.results.filter((result) => !result.ok).length;
    return failed === 0
      ? { title: 'Upload finished', body: `${event.results.length} file(s) stored encrypted.` }
      : { title: 'Upload finished with errors', body: `${failed} of ${event.results.length} file(s) failed.` };
  }
  return null;
}
