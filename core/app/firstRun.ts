/** Zero-setup defaults: the bundled engine as the first account and ~/COS Sync synced to it; extra `--folder`s. */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../common/errors.ts';
import { engineBucket, type StoredFolder, type StoredSettings } from './settings.ts';

/** A folder pair with the defaults: whole bucket, upload-only, running. */
function newFolder(localPath: string, profileId: string, bucket: string): StoredFolder {
  return { id: randomUUID(), localPath, profileId, bucket, prefix: '', deletePolicy: 'keep', paused: false };
}

/**
 * On the first run (settings not `initialized`): adds the bundled engine account and, when given, creates and adds
 * `defaultFolder`. Then adds every folder of `extraFolders` not synced yet, with the default account.
 */
export async function withFirstRunDefaults(settings: StoredSettings, defaultFolder: string | undefined, extraFolders: readonly string[]): Promise<StoredSettings> {
  let next = settings;
  if (!next.initialized) {
    const profile = { kind: 'engine' as const, id: 'local', name: 'This computer (bundled engine)', bucket: engineBucket };
    const folders: StoredFolder[] = [];
    if (defaultFolder) {
      await mkdir(defaultFolder, { recursive: true });
      folders.push(newFolder(path.resolve(defaultFolder), profile.id, engineBucket));
    }
    next = { ...next, profiles: [profile, ...next.profiles], defaultProfileId: next.defaultProfileId ?? profile.id, folders: [...next.folders, ...folders], initialized: true };
  }
  for (const folder of extraFolders) {
    const localPath = path.resolve(folder);
    if (next.folders.some((existing) => existing.localPath === localPath)) continue;
    const profile = next.profiles.find((candidate) => candidate.id === next.defaultProfileId) ?? next.profiles[0];
    if (!profile) throw new CosSyncError('InvalidArgument', 'There is no account to sync to.', { hint: 'Add an account in the settings.' });
    next = { ...next, folders: [...next.folders, newFolder(localPath, profile.id, profile.bucket)] };
  }
  return next;
}
