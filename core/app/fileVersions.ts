/** Per-file versions for the UI: list what the server keeps of one synced file, and restore one as a new current version. */
import { CosSyncError } from '../common/errors.ts';
import type { CosClient } from '../cos/cosClient.ts';
import type { ObjectInfo } from '../cos/objectInfo.ts';
import type { FileVersion, FileVersions } from './contract.ts';
import { encryptionView } from './statusViews.ts';
import { readVersionRetention } from './versionRetention.ts';

/** The most versions the list shows (and HEADs for their encryption). */
export const MAX_LISTED_VERSIONS = 100;

/** Where a folder's files live remotely. */
export interface FolderTarget {
  id: string;
  bucket: string;
  prefix: string;
}

function versionView(info: ObjectInfo, versionId: string, isLatest: boolean, now: number): FileVersion {
  return {
    versionId, isLatest, deleteMarker: false, size: info.size, modifiedAt: info.lastModified ? Date.parse(info.lastModified) : now,
    encryption: encryptionView(info.encryption, now, true, false),
  };
}

/**
 * The versions of `path` in `folder`, newest first: each data version with its size, time and the encryption the
 * server reports for it (one HEAD per version), delete markers as such, and the bucket's retention.
 */
export async function listFileVersions(client: CosClient, folder: FolderTarget, path: string, now: () => number = Date.now): Promise<FileVersions> {
  const key = folder.prefix + path;
  const [retention, entries] = await Promise.all([readVersionRetention(client, folder.bucket), client.listKeyVersions(folder.bucket, key)]);
  const versions = await Promise.all(entries.slice(0, MAX_LISTED_VERSIONS).map(async (entry): Promise<FileVersion> => {
    if (entry.deleteMarker) {
      return { versionId: entry.versionId, isLatest: entry.isLatest, deleteMarker: true, size: 0, modifiedAt: Date.parse(entry.lastModified), encryption: null };
    }
    const info = await client.headObject(folder.bucket, key, { versionId: entry.versionId });
    return { ...versionView(info, entry.versionId, entry.isLatest, now()), size: entry.size ?? info.size, modifiedAt: Date.parse(entry.lastModified) };
  }));
  return { folderId: folder.id, path, bucket: folder.bucket, key, ...retention, versions };
}

/**
 * Restores version `versionId` of `path`: the server copies it onto the same key with SSE-COS, and the copy is the
 * new current version (the versions in between stay). Resolves with the new version as HEAD reports it.
 */
export async function restoreFileVersion(client: CosClient, folder: FolderTarget, path: string, versionId: string, now: () => number = Date.now): Promise<FileVersion> {
  const key = folder.prefix + path;
  const copied = await client.copyObject(folder.bucket, key, { key, versionId }, { sse: { mode: 'AES256' } });
  if (copied.versionId === undefined) {
    throw new CosSyncError('VersioningOff', `The bucket ${folder.bucket} answered the restore of ${path} without a version id.`, {
      hint: 'Turn versioning on for the bucket (the bundled engine does it by default) so that old versions are kept.',
    });
  }
  const info = await client.headObject(folder.bucket, key, { versionId: copied.versionId });
  return versionView(info, copied.versionId, true, now());
}
