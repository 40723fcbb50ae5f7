/** The API actions a bucket policy names: each COS action (`name/cos:PutObject`) with the S3 action it authorises as (`s3:PutObject`). */

/** One action of a request: its COS API name and the S3 action S3 would check for the same call. */
export interface PolicyAction {
  /** COS name without prefix, e.g. `PutObject`, `InitiateMultipartUpload` (case-sensitive, as COS documents). */
  cos: string;
  /** S3 name without prefix, e.g. `PutObject`, `GetObjectVersion` (compared case-insensitively, as AWS does). */
  s3: string;
}

/**
 * Every COS action the engine answers, with its S3 counterpart. S3 authorises several COS calls with one action
 * (parts and Complete as `s3:PutObject`, HEAD as `s3:GetObject`, listings as `s3:ListBucket`), so the S3 column
 * has repeats. The versioning, lifecycle and tagging rows are the names those APIs authorise as.
 */
export const POLICY_ACTIONS = {
  GetService: 's3:ListAllMyBuckets',
  PutBucket: 's3:CreateBucket',
  HeadBucket: 's3:ListBucket',
  GetBucket: 's3:ListBucket',
  DeleteBucket: 's3:DeleteBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  PutBucketACL: 's3:PutBucketAcl',
  GetBucketACL: 's3:GetBucketAcl',
  PutBucketPolicy: 's3:PutBucketPolicy',
  GetBucketPolicy: 's3:GetBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
  PutBucketVersioning: 's3:PutBucketVersioning',
  GetBucketVersioning: 's3:GetBucketVersioning',
  GetBucketObjectVersions: 's3:ListBucketVersions',
  PutBucketLifecycle: 's3:PutLifecycleConfiguration',
  GetBucketLifecycle: 's3:GetLifecycleConfiguration',
  DeleteBucketLifecycle: 's3:PutLifecycleConfiguration',
  PutBucketTagging: 's3:PutBucketTagging',
  GetBucketTagging: 's3:GetBucketTagging',
  DeleteBucketTagging: 's3:PutBucketTagging',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  PutObject: 's3:PutObject',
  PostObject: 's3:PutObject',
  PutObjectCopy: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  DeleteMultipleObjects: 's3:DeleteObject',
  PutObjectACL: 's3:PutObjectAcl',
  GetObjectACL: 's3:GetObjectAcl',
  PutObjectTagging: 's3:PutObjectTagging',
  GetObjectTagging: 's3:GetObjectTagging',
  DeleteObjectTagging: 's3:DeleteObjectTagging',
  InitiateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  UploadPartCopy: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListParts: 's3:ListMultipartUploadParts',
} as const satisfies Record<string, `s3:${string}`>;

/** A COS action name the engine knows. */
export type CosActionName = keyof typeof POLICY_ACTIONS;

/** S3 actions that address a specific version (`versionId` given) instead of the current object. */
const versionedS3: Readonly<Record<string, string>> = {
  GetObject: 'GetObjectVersion',
  DeleteObject: 'DeleteObjectVersion',
  GetObjectAcl: 'GetObjectVersionAcl',
  PutObjectAcl: 'PutObjectVersionAcl',
  GetObjectTagging: 'GetObjectVersionTagging',
  PutObjectTagging: 'PutObjectVersionTagging',
  DeleteObjectTagging: 'DeleteObjectVersionTagging',
};

/** The action of a COS API call; `versioned` when the request names a `versionId` (S3 then checks the `…Version…` action). */
export function policyAction(cos: CosActionName, versioned = false): PolicyAction {
  const s3 = POLICY_ACTIONS[cos].slice('s3:'.length);
  return { cos, s3: versioned ? (versionedS3[s3] ?? s3) : s3 };
}

// Actions of APIs the engine does not serve: a policy may name them (it then never matches a request), while a
// misspelt action is refused with MalformedPolicy instead of silently matching nothing.
const otherCos = ['PutBucketCORS', 'GetBucketCORS', 'DeleteBucketCORS', 'PutBucketReferer', 'GetBucketReferer', 'PutBucketWebsite', 'GetBucketWebsite',
  'DeleteBucketWebsite', 'PutBucketLogging', 'GetBucketLogging', 'PutBucketReplication', 'GetBucketReplication', 'DeleteBucketReplication',
  'PutBucketInventory', 'GetBucketInventory', 'DeleteBucketInventory', 'PostObjectRestore', 'AppendObject', 'SelectObjectContent', 'OptionsObject',
  'PutBucketObjectLockConfiguration', 'GetBucketObjectLockConfiguration', 'PutObjectRetention', 'GetObjectRetention', 'ListBucketVersions'];
const otherS3 = ['GetObjectAttributes', 'GetObjectVersionAttributes', 'PutObjectRetention', 'GetObjectRetention', 'PutObjectLegalHold', 'GetObjectLegalHold',
  'BypassGovernanceRetention', 'RestoreObject', 'GetObjectTorrent', 'GetObjectVersionTorrent', 'PutBucketCORS', 'GetBucketCORS', 'PutBucketWebsite',
  'GetBucketWebsite', 'DeleteBucketWebsite', 'PutBucketLogging', 'GetBucketLogging', 'PutBucketNotification', 'GetBucketNotification',
  'GetBucketPolicyStatus', 'PutReplicationConfiguration', 'GetReplicationConfiguration', 'PutBucketObjectLockConfiguration',
  'GetBucketObjectLockConfiguration', 'PutBucketOwnershipControls', 'GetBucketOwnershipControls', 'PutBucketPublicAccessBlock',
  'GetBucketPublicAccessBlock', 'PutAccelerateConfiguration', 'GetAccelerateConfiguration', 'PutBucketRequestPayment', 'GetBucketRequestPayment',
  'PutInventoryConfiguration', 'GetInventoryConfiguration', 'PutMetricsConfiguration', 'GetMetricsConfiguration', 'PutAnalyticsConfiguration',
  'GetAnalyticsConfiguration', 'PutIntelligentTieringConfiguration', 'GetIntelligentTieringConfiguration', 'ReplicateObject', 'ReplicateDelete'];

const knownCos = new Set<string>([...Object.keys(POLICY_ACTIONS), ...otherCos]);
const knownS3 = new Set<string>([
  ...Object.values(POLICY_ACTIONS).map((name) => name.slice('s3:'.length)), ...Object.values(versionedS3), ...otherS3,
].map((name) => name.toLowerCase()));

/** True for a COS action name the engine knows (case-sensitive). */
export function isKnownCosAction(name: string): boolean {
  return knownCos.has(name);
}

/** True for an S3 action name the engine knows (case-insensitive). */
export function isKnownS3Action(name: string): boolean {
  return knownS3.has(name.toLowerCase());
}
