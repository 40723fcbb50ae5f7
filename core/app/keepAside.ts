/** A damaged settings or secrets file is never overwritten: it is renamed to `<file>.corrupt-<time>` and kept. */
import { renameSync } from 'node:fs';
import { makePrivateFile } from '../common/privateFiles.ts';

/**
 * Renames `file` to `<file>.corrupt-<UTC time>` (e.g. `secrets.json.corrupt-2026-01-02T03-04-05-006Z`), owner-only,
 * and returns the new path; the caller then writes whatever it could recover under the original name.
 */
export function keepAside(file: string, now: number): string {
  const aside = `${file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  makePrivateFile(aside);
  return aside;
}
