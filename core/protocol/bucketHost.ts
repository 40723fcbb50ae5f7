/** COS host names: parse and build `<bucket>.cos.<region>.myqcloud.com`, and validate bucket and region names. */

/** A bucket and region read from a virtual-host `Host` header. */
export interface BucketHost {
  bucket: string;
  region: string;
  domain: 'myqcloud.com' | 'tencentcos.cn';
}

const hostPattern = /^(?<bucket>[a-z0-9-]+-\d+)\.cos\.(?<region>[a-z0-9-]+)\.(?<domain>myqcloud\.com|tencentcos\.cn)(?::\d+)?$/;

/** Parses a virtual-host `Host` value (optionally with `:port`); undefined for any other host. */
export function parseBucketHost(host: string | undefined): BucketHost | undefined {
  const match = hostPattern.exec((host ?? '').toLowerCase());
  if (!match?.groups) return undefined;
  return { bucket: match.groups.bucket!, region: match.groups.region!, domain: match.groups.domain as BucketHost['domain'] };
}

/** The virtual-host name of a bucket on real COS. */
export function bucketHostname(bucket: string, region: string, domain: BucketHost['domain'] = 'myqcloud.com'): string {
  return `${bucket}.cos.${region}.${domain}`;
}

/** True for `name-appid` with a lowercase name of letters, digits and inner hyphens (total ≤ 60 characters). */
export function isValidBucketName(bucket: string): boolean {
  return bucket.length <= 60 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$/.test(bucket);
}

/** True for a region such as `ap-guangzhou`. */
export function isValidRegion(region: string): boolean {
  return /^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(region) && !region.startsWith('cos.');
}
