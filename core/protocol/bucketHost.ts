/** Bucket names and host names: COS `name-APPID` and S3 names, `<bucket>.cos.<region>.myqcloud.com`, regions. */

/** A bucket and region read from a virtual-host `Host` header. */
export interface BucketHost {
  bucket: string;
  region: string;
  domain: 'myqcloud.com' | 'tencentcos.cn';
}

// The bucket part takes any S3 name (dots included); `.cos.` after it separates it from the region.
const hostPattern = /^(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.cos\.(?<region>[a-z0-9-]+)\.(?<domain>myqcloud\.com|tencentcos\.cn)(?::\d+)?$/;

/** Parses a virtual-host `Host` value (optionally with `:port`); undefined for any other host or an invalid bucket name. */
export function parseBucketHost(host: string | undefined): BucketHost | undefined {
  const match = hostPattern.exec((host ?? '').toLowerCase());
  if (!match?.groups || !isValidBucketName(match.groups.bucket!)) return undefined;
  return { bucket: match.groups.bucket!, region: match.groups.region!, domain: match.groups.domain as BucketHost['domain'] };
}

/** The virtual-host name of a bucket on real COS. */
export function bucketHostname(bucket: string, region: string, domain: BucketHost['domain'] = 'myqcloud.com'): string {
  return `${bucket}.cos.${region}.${domain}`;
}

/** True for the COS form `name-appid`: a lowercase name of letters, digits and inner hyphens, `-`, digits (≤ 60 characters). */
export function isCosBucketName(bucket: string): boolean {
  return bucket.length <= 60 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$/.test(bucket);
}

/** The APPID of a COS-form bucket name (`photos-1250000000` → `1250000000`), undefined for other names. */
export function bucketAppId(bucket: string): string | undefined {
  return isCosBucketName(bucket) ? bucket.slice(bucket.lastIndexOf('-') + 1) : undefined;
}

/**
 * True for a name S3 accepts: 3–63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a
 * letter or digit, no `..`, `.-` or `-.`, not an IPv4 address, none of the reserved prefixes and suffixes.
 */
export function isS3BucketName(bucket: string): boolean {
  if (bucket.length < 3 || bucket.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return false;
  if (bucket.includes('..') || bucket.includes('.-') || bucket.includes('-.')) return false;
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bucket)) return false;
  if (/^(?:xn--|sthree-|amzn-s3-demo-)/.test(bucket)) return false;
  return !/(?:-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket);
}

/** True for either form: what S3-compatible servers, the bundled engine among them, accept. Real COS needs {@link isCosBucketName}. */
export function isValidBucketName(bucket: string): boolean {
  return isCosBucketName(bucket) || isS3BucketName(bucket);
}

/** True for a region such as `ap-guangzhou`. */
export function isValidRegion(region: string): boolean {
  return /^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(region) && !region.startsWith('cos.');
}
