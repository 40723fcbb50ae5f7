/** PUT Object - Copy: a server-side copy with destination SSE, an SSE-C source key, and 200-with-<Error> detection. */
import { bucketHostname } from '../protocol/bucketHost.ts';
import { encodeKeyPath } from '../protocol/cosUrlEncode.ts';
import { copySourceCustomerKeyHeaders, sseRequestHeaders, type ConfirmedEncryption } from '../protocol/serverSideEncryption.ts';
import { parseCopyObjectResult } from '../protocol/xml.ts';
import { requireEncryption, responseCrc64 } from './integrity.ts';
import { contentRequestHeaders } from './objectInfo.ts';
import type { WriteOptions } from './putObject.ts';
import type { Transport } from './transport.ts';

/** Where a copy reads from. */
export interface CopySource {
  /** Source bucket; default: the destination bucket. */
  bucket?: string;
  key: string;
  /** Source region; default: the client's region. */
  region?: string;
  /** SSE-C key of the source object (sent as `x-cos-copy-source-server-side-encryption-customer-*`). */
  customerKey?: Buffer;
  /** A version of the source (`?versionId=` on the copy source); default: the current version. */
  versionId?: string;
}

/** Options of {@link copyObject}. Destination SSE defaults to SSE-COS: nothing is inherited from the source. */
export interface CopyObjectOptions extends WriteOptions {
  /** `Copy` keeps the source metadata (default); `Replaced` uses `contentType`/`metadata`/`contentHeaders`/`storageClass` of this call. */
  metadataDirective?: 'Copy' | 'Replaced';
  /** `x-cos-copy-source-If-Match`: copy only while the source still has this ETag (else CosError `PreconditionFailed`, 412). */
  sourceIfMatch?: string;
}

/** Outcome of a copy. */
export interface CopyObjectResult {
  etag: string;
  lastModified: string;
  /** The destination's CRC-64 when the server reported it. */
  crc64?: string;
  encryption: ConfirmedEncryption;
  /** The version the copy created, on a bucket whose versioning was configured. */
  versionId?: string;
}

/** The `x-cos-copy-source` value: `<bucket>.cos.<region>.myqcloud.com/<encoded key>[?versionId=<id>]`. */
export function copySourceHeader(source: CopySource, defaultBucket: string, defaultRegion: string): string {
  const version = source.versionId === undefined ? '' : `?versionId=${encodeURIComponent(source.versionId)}`;
  return `${bucketHostname(source.bucket ?? defaultBucket, source.region ?? defaultRegion)}/${encodeKeyPath(source.key)}${version}`;
}

/** Headers a copy request carries for its source. */
export function copySourceHeaders(transport: Transport, bucket: string, source: CopySource): Record<string, string> {
  return {
    'x-cos-copy-source': copySourceHeader(source, bucket, transport.region),
    ...(source.customerKey ? copySourceCustomerKeyHeaders(source.customerKey) : {}),
  };
}

/**
 * Copies `source` to `bucket/key` on the server. A 200 whose body is `<Error>` is a failure (retried when COS
 * marks it retryable); the response must confirm the destination encryption (else `SseNotConfirmed`).
 */
export async function copyObject(transport: Transport, bucket: string, key: string, source: CopySource, options: CopyObjectOptions = {}): Promise<CopyObjectResult> {
  const sse = options.sse ?? { mode: 'AES256' };
  const headers: Record<string, string> = {
    ...copySourceHeaders(transport, bucket, source),
    ...sseRequestHeaders(sse),
    'x-cos-metadata-directive': options.metadataDirective ?? 'Copy',
  };
  if (options.sourceIfMatch) headers['x-cos-copy-source-if-match'] = options.sourceIfMatch;
  if (options.metadataDirective === 'Replaced') {
    Object.assign(headers, contentRequestHeaders(options));
    if (options.contentType) headers['content-type'] = options.contentType;
  }
  const { result, responseHeaders } = await transport.send(
    { operation: 'PUT Object - Copy', method: 'PUT', bucket, key, headers, idempotent: true, signal: options.signal },
    (response) => ({ result: parseCopyObjectResult(response.body), responseHeaders: response.headers }),
  );
  const encryption = requireEncryption(sse, responseHeaders, transport.writeTarget('PUT Object - Copy', bucket, key));
  const copied: CopyObjectResult = { etag: result.etag, lastModified: result.lastModified, encryption };
  const crc64 = responseCrc64(responseHeaders);
  if (crc64) copied.crc64 = crc64;
  const versionId = result.versionId ?? responseHeaders['x-cos-version-id'];
  if (versionId) copied.versionId = versionId;
  return copied;
}
