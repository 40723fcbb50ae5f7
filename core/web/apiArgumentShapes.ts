/** The expected JSON argument shapes of every contract method, as the web host checks them. */
import type { CosSyncMethod } from '../app/contract.ts';
import { boolean, integer, list, nullable, object, oneOf, optional, tagged, text, type Shape } from './argumentShape.ts';

const id = text(200, 1);
const bucket = text(200, 1);
const prefix = text(1024);
const fileStates = ['queued', 'uploading', 'synced', 'identical', 'excluded', 'error', 'deleted-locally'] as const;

const profileInput: Shape = tagged('kind', {
  engine: object({ kind: oneOf('engine'), id: optional(id), name: text(200, 1), bucket }),
  cos: object({
    kind: oneOf('cos'),
    id: optional(id),
    name: text(200, 1),
    secretId: text(200, 1),
    secretKey: optional(text(200, 1)),
    region: text(64, 1),
    bucket,
    endpoint: optional(nullable(text(2048, 1))),
    caFile: optional(nullable(text(4096, 1))),
  }),
});

const generalPatch = object({
  concurrency: optional(integer(1, 32)),
  bandwidthLimit: optional(nullable(integer(1))),
  excludes: optional(list(text(1024, 1), 1000)),
  deleteConfirmThreshold: optional(integer(0)),
  startAtLogin: optional(boolean),
  versionRetentionDays: optional(nullable(integer(1, 3650))),
});

/**
 * Positional argument shapes per method. `satisfies Record<CosSyncMethod, …>` makes a new contract
 * method fail to compile here until its arguments are described.
 */
export const apiArgumentShapes = {
  getSnapshot: [],
  listFiles: [
    object({
      folderId: id,
      offset: integer(0),
      limit: integer(1, 1000),
      state: optional(oneOf(...fileStates)),
      search: optional(text(1024)),
    }),
  ],
  listActivity: [object({ limit: integer(1, 500), before: optional(text(200)) })],
  addFolder: [
    object({
      localPath: text(4096, 1),
      bucket: optional(bucket),
      prefix: optional(prefix),
      profileId: optional(id),
      deletePolicy: optional(oneOf('keep', 'mirror')),
    }),
  ],
  removeFolder: [id],
  pauseFolder: [id],
  resumeFolder: [id],
  pauseAll: [],
  resumeAll: [],
  rescanFolder: [id],
  retryFailed: [id],
  confirmDeletes: [id, boolean],
  listFileVersions: [id, text(4096, 1)],
  restoreFileVersion: [id, text(4096, 1), text(200, 1)],
  getSettings: [],
  updateSettings: [
    object({
      upsertProfiles: optional(list(profileInput, 100)),
      removeProfiles: optional(list(id, 100)),
      defaultProfileId: optional(nullable(id)),
      general: optional(generalPatch),
    }),
  ],
  testProfile: [profileInput],
  startUpload: [
    object({
      files: list(object({ name: text(1024, 1), size: integer(0), path: optional(text(4096, 1)), modifiedAt: optional(integer(0)) }), 10_000, 1),
      profileId: optional(id),
      bucket,
      prefix,
      sse: oneOf('AES256', 'kms', 'none'),
      kmsKeyId: optional(text(512, 1)),
    }),
  ],
  cancelUpload: [id],
  startBucketJob: [
    tagged('kind', {
      audit: object({ kind: oneOf('audit'), profileId: optional(id), prefix: optional(prefix) }),
      encrypt: object({ kind: oneOf('encrypt'), profileId: optional(id), prefix: optional(prefix), sse: oneOf('AES256', 'kms'), kmsKeyId: optional(text(512, 1)) }),
      restore: object({ kind: oneOf('restore'), folderId: id, destination: text(4096, 1), overwrite: optional(boolean) }),
    }),
  ],
  controlBucketJob: [id, oneOf('pause', 'resume', 'cancel')],
  listBucketJobs: [],
  getEngineStatus: [],
  rotateEngineKey: [],
} as const satisfies Record<CosSyncMethod, readonly Shape[]>;
