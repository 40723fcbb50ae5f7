/** What an endpoint kind accepts (quirks as data): real COS versus an S3-compatible server such as the bundled engine. */
import { isCosBucketName, isValidBucketName } from './bucketHost.ts';

/** Real Tencent COS, or any other S3/COS-compatible server (the bundled engine, MinIO, …). */
export type EndpointKind = 'cos' | 'compatible';

/** The capabilities record of one endpoint kind. */
export interface EndpointCapabilities {
  kind: EndpointKind;
  /** True for bucket names this kind of endpoint accepts. */
  isBucketName(bucket: string): boolean;
  /** One sentence telling the user which names are accepted, with an example. */
  bucketNameHint: string;
}

const cos: EndpointCapabilities = {
  kind: 'cos',
  isBucketName: isCosBucketName,
  bucketNameHint: 'A COS bucket is written NAME-APPID with lowercase letters, digits and hyphens, e.g. photos-1250000000.',
};

const compatible: EndpointCapabilities = {
  kind: 'compatible',
  isBucketName: isValidBucketName,
  bucketNameHint: 'Use NAME-APPID (e.g. photos-1250000000) or an S3 bucket name: 3–63 lowercase letters, digits, dots and hyphens.',
};

/** The capabilities record of each endpoint kind. */
export const capabilitiesOfKind: Readonly<Record<EndpointKind, EndpointCapabilities>> = { cos, compatible };

/** The kind of an endpoint URL: none (the default COS hosts) or a `*.myqcloud.com` / `*.tencentcos.cn` host is real COS. */
export function endpointKind(endpoint: string | null | undefined): EndpointKind {
  if (endpoint === undefined || endpoint === null || endpoint === '') return 'cos';
  const host = URL.canParse(endpoint) ? new URL(endpoint).hostname.toLowerCase() : '';
  return /(?:^|\.)(?:myqcloud\.com|tencentcos\.cn)$/.test(host) ? 'cos' : 'compatible';
}

/** The capabilities record for an endpoint URL (see {@link endpointKind}). */
export function endpointCapabilities(endpoint: string | null | undefined): EndpointCapabilities {
  return capabilitiesOfKind[endpointKind(endpoint)];
}
