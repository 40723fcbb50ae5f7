/** Bucket versioning and lifecycle: GET/PUT `?versioning`, GET/PUT/DELETE `?lifecycle`, and ListObjectVersions pages. */
import { createHash } from 'node:crypto';
import { CosError } from '../protocol/cosError.ts';
import {
  buildLifecycleConfiguration,
  buildVersioningConfiguration,
  parseLifecycleConfiguration,
  parseListVersionsResult,
  parseVersioningStatus,
  type LifecycleRule,
  type ListVersionsResult,
  type VersionEntry,
  type VersioningStatus,
} from '../protocol/xml.ts';
import { bufferBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** A small XML body with the Content-Type and Content-MD5 COS wants on bucket configuration writes. */
function xmlBody(xml: string): { headers: Record<string, string>; body: ReturnType<typeof bufferBody> } {
  const bytes = Buffer.from(xml);
  return { headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(bytes).digest('base64') }, body: bufferBody(bytes) };
}

/** The bucket's versioning status; undefined when versioning was never configured. */
export async function getBucketVersioning(transport: Transport, bucket: string, signal?: AbortSignal): Promise<VersioningStatus | undefined> {
  return transport.send(
    { operation: 'GET Bucket versioning', method: 'GET', bucket, query: [['versioning', '']], idempotent: true, signal },
    (response) => parseVersioningStatus(response.body),
  );
}

/** Sets the bucket's versioning status (a bucket once versioned can only be suspended, never unversioned again). */
export async function putBucketVersioning(transport: Transport, bucket: string, status: VersioningStatus, signal?: AbortSignal): Promise<void> {
  await transport.send({ operation: 'PUT Bucket versioning', method: 'PUT', bucket, query: [['versioning', '']], ...xmlBody(buildVersioningConfiguration(status)), idempotent: true, signal });
}

/** The bucket's lifecycle rules; [] when none are configured (404 NoSuchLifecycleConfiguration). */
export async function getBucketLifecycle(transport: Transport, bucket: string, signal?: AbortSignal): Promise<LifecycleRule[]> {
  try {
    return await transport.send(
      { operation: 'GET Bucket lifecycle', method: 'GET', bucket, query: [['lifecycle', '']], idempotent: true, signal },
      (response) => parseLifecycleConfiguration(response.body),
    );
  } catch (error) {
    if (error instanceof CosError && error.code === 'NoSuchLifecycleConfiguration') return [];
    throw error;
  }
}

/** Replaces the bucket's lifecycle rules; an empty list deletes the configuration. */
export async function putBucketLifecycle(transport: Transport, bucket: string, rules: readonly LifecycleRule[], signal?: AbortSignal): Promise<void> {
  if (rules.length === 0) {
    await transport.send({ operation: 'DELETE Bucket lifecycle', method: 'DELETE', bucket, query: [['lifecycle', '']], idempotent: true, signal });
    return;
  }
  await transport.send({ operation: 'PUT Bucket lifecycle', method: 'PUT', bucket, query: [['lifecycle', '']], ...xmlBody(buildLifecycleConfiguration(rules)), idempotent: true, signal });
}

/** Query of one ListObjectVersions page. */
export interface ListVersionsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  maxKeys?: number;
  signal?: AbortSignal;
}

/** One page of `GET /?versions` (`encoding-type=url` requested and decoded). */
export async function listObjectVersions(transport: Transport, bucket: string, options: ListVersionsOptions = {}): Promise<ListVersionsResult> {
  const query: [string, string][] = [['versions', ''], ['encoding-type', 'url']];
  if (options.prefix) query.push(['prefix', options.prefix]);
  if (options.delimiter) query.push(['delimiter', options.delimiter]);
  if (options.keyMarker) query.push(['key-marker', options.keyMarker]);
  if (options.versionIdMarker) query.push(['version-id-marker', options.versionIdMarker]);
  if (options.maxKeys !== undefined) query.push(['max-keys', String(options.maxKeys)]);
  return transport.send({ operation: 'GET Bucket Object versions', method: 'GET', bucket, query, idempotent: true, signal: options.signal }, (response) => parseListVersionsResult(response.body));
}

/** Every version and delete marker of exactly `key`, newest first, across pages (both markers, until not truncated). */
export async function listKeyVersions(transport: Transport, bucket: string, key: string, signal?: AbortSignal): Promise<VersionEntry[]> {
  const versions: VersionEntry[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await listObjectVersions(transport, bucket, { prefix: key, keyMarker, versionIdMarker, signal });
    versions.push(...page.versions.filter((entry) => entry.key === key));
    // Keys that merely start with `key` come after it: once the page has moved past, the rest is not ours.
    if (!page.isTruncated || page.versions.some((entry) => entry.key > key)) return versions;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
    if (keyMarker === undefined) return versions;
  }
}
