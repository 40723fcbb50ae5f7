/** Bucket-level reads: HEAD Bucket, GET Bucket (one page, always `encoding-type=url`) and an iterator over all pages. */
import { CosError } from '../protocol/cosError.ts';
import { parseListObjectsResult, type ListObjectsResult, type ObjectEntry } from '../protocol/xml.ts';
import type { Transport } from './transport.ts';

/** Query of one listing page. */
export interface ListObjectsOptions {
  prefix?: string;
  /** Groups keys into `commonPrefixes` (usually `/`). */
  delimiter?: string;
  /** Start after this key (exclusive). */
  marker?: string;
  /** Up to 1000 (the default). */
  maxKeys?: number;
  signal?: AbortSignal;
}

/** One listing page; keys, prefixes and markers are decoded. */
export type ListObjectsPage = ListObjectsResult;

/** HEAD Bucket: resolves with the bucket's region header when it exists and is accessible; throws CosError (`NoSuchBucket` for 404) otherwise. */
export async function headBucket(transport: Transport, bucket: string, signal?: AbortSignal): Promise<{ region?: string }> {
  const response = await transport.send({ operation: 'HEAD Bucket', method: 'HEAD', bucket, idempotent: true, signal }).catch((error: unknown) => {
    // HEAD errors have no body, so a 404 arrives as NoSuchKey; for a bucket it means NoSuchBucket.
    if (error instanceof CosError && error.status === 404) throw new CosError({ code: 'NoSuchBucket', status: 404, requestId: error.requestId, cause: error });
    throw error;
  });
  const region = response.headers['x-cos-bucket-region'];
  return region ? { region } : {};
}

/** Lists one page of objects (`GET /`), asking for `encoding-type=url` and decoding the answer. */
export async function listObjects(transport: Transport, bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
  const query: [string, string][] = [['encoding-type', 'url']];
  if (options.prefix) query.push(['prefix', options.prefix]);
  if (options.delimiter) query.push(['delimiter', options.delimiter]);
  if (options.marker) query.push(['marker', options.marker]);
  if (options.maxKeys !== undefined) query.push(['max-keys', String(options.maxKeys)]);
  return transport.send({ operation: 'GET Bucket', method: 'GET', bucket, query, idempotent: true, signal: options.signal }, (response) => parseListObjectsResult(response.body));
}

/**
 * Iterates every object under `prefix`, page by page (`NextMarker`, else the last key, until `IsTruncated` is
 * false). With a delimiter, common prefixes are not yielded; use {@link listObjects} to see them.
 */
export async function* listAllObjects(transport: Transport, bucket: string, options: Omit<ListObjectsOptions, 'marker'> = {}): AsyncGenerator<ObjectEntry> {
  let marker: string | undefined;
  for (;;) {
    const page = await listObjects(transport, bucket, { ...options, marker });
    yield* page.contents;
    if (!page.isTruncated) return;
    const next = page.nextMarker ?? page.contents.at(-1)?.key ?? page.commonPrefixes.at(-1);
    if (next === undefined || next === marker) return;
    marker = next;
  }
}
