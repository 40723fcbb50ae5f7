/** Keeping old versions of synced files: bucket versioning on, and one lifecycle rule of COS Sync's that expires them after N days. */
import type { CosClient } from '../cos/cosClient.ts';
import type { LifecycleRule } from '../protocol/xml.ts';

/** The `ID` of the lifecycle rule COS Sync installs and updates; other rules of the bucket are left alone. */
export const RETENTION_RULE_ID = 'cos-sync-keep-versions';

/** Days noncurrent versions are kept unless the user chooses otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;

/** What a bucket does with old versions. */
export interface VersionRetention {
  /** `off` when versioning was never enabled: an overwrite or delete cannot be undone. */
  versioning: 'Enabled' | 'Suspended' | 'off';
  /** Days COS Sync's rule keeps noncurrent versions; null when there is no such rule (kept until deleted). */
  retentionDays: number | null;
}

function retentionOf(rules: readonly LifecycleRule[]): number | null {
  const rule = rules.find((candidate) => candidate.id === RETENTION_RULE_ID && candidate.enabled);
  return rule?.noncurrentVersionExpiration?.noncurrentDays ?? null;
}

/** Reads the bucket's versioning status and COS Sync's retention rule. */
export async function readVersionRetention(client: CosClient, bucket: string, signal?: AbortSignal): Promise<VersionRetention> {
  const [status, rules] = await Promise.all([client.getBucketVersioning(bucket, signal), client.getBucketLifecycle(bucket, signal)]);
  return { versioning: status ?? 'off', retentionDays: retentionOf(rules) };
}

/**
 * Makes `bucket` keep old versions for `days` (null: until deleted). Versioning is enabled when it was never
 * configured; a bucket the user suspended stays suspended (never re-enabled behind their back). The lifecycle
 * configuration is read, COS Sync's rule replaced (or removed for null) and written back whole, so the bucket's
 * other rules survive. The rule also removes delete markers once no version is left under them.
 */
export async function applyVersionRetention(client: CosClient, bucket: string, days: number | null, signal?: AbortSignal): Promise<VersionRetention> {
  let status = await client.getBucketVersioning(bucket, signal);
  if (status === undefined) {
    await client.putBucketVersioning(bucket, 'Enabled', signal);
    status = 'Enabled';
  }
  const rules = await client.getBucketLifecycle(bucket, signal);
  const others = rules.filter((rule) => rule.id !== RETENTION_RULE_ID);
  const ours: LifecycleRule[] = days === null ? [] : [{
    id: RETENTION_RULE_ID, enabled: true, prefix: '', tags: [], filterForm: 'filter', transition: false,
    noncurrentVersionExpiration: { noncurrentDays: days }, expiration: { expiredObjectDeleteMarker: true },
  }];
  if (retentionOf(rules) !== days || rules.length !== others.length + ours.length) await client.putBucketLifecycle(bucket, [...others, ...ours], signal);
  return { versioning: status, retentionDays: days };
}
