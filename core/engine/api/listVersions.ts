/** GET Bucket Object versions (`/?versions`): every version and delete marker, paged by key-marker and version-id-marker. */
import { cosError } from '../../protocol/cosError.ts';
import { buildListVersionsResult, type VersionEntry } from '../../protocol/xml.ts';
import { ownerOf } from './bucketHandlers.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { listParameters } from './listObjects.ts';
import { prefixSuccessor } from '../storage/prefixSuccessor.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import type { ObjectRow } from '../storage/engineIndex.ts';
import { isVersionId, versionSeq } from '../storage/objectVersions.ts';

/** One page of versions. */
export interface VersionsPage {
  versions: VersionEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** Where the walk resumes: after version `seq` of `key` (older versions of it first), or at keys after / from `key`. */
type Cursor = { key: string; seq: number } | { key: string; seq?: undefined; inclusive: boolean };

function entryOf(row: ObjectRow, owner: VersionEntry['owner']): VersionEntry {
  const entry: VersionEntry = {
    key: row.key, versionId: row.versionId, isLatest: row.noncurrentSince === null, deleteMarker: row.deleteMarker,
    lastModified: new Date(row.modified).toISOString(), owner,
  };
  if (!row.deleteMarker) Object.assign(entry, { etag: `"${row.etag}"`, size: row.size, storageClass: 'STANDARD' });
  return entry;
}

/** The first cursor: after (key-marker, version-id-marker), after key-marker, or at the prefix. */
function startCursor(ctx: Pick<EngineContext, 'index'>, bucket: string, prefix: string, delimiter: string, keyMarker: string, versionIdMarker: string): Cursor {
  if (keyMarker === '' || Buffer.compare(Buffer.from(keyMarker), Buffer.from(prefix)) < 0) return { key: prefix, inclusive: true };
  const rolledUp = delimiter !== '' && keyMarker.startsWith(prefix) && keyMarker.indexOf(delimiter, prefix.length) !== -1;
  if (versionIdMarker === '' || !keyMarker.startsWith(prefix) || rolledUp) return { key: keyMarker, inclusive: false };
  // A marker version deleted since the last page still places the walk: generated ids carry their position.
  const seq = ctx.index.versions.version(bucket, keyMarker, versionIdMarker)?.seq ?? versionSeq(versionIdMarker);
  return seq === undefined ? { key: keyMarker, inclusive: false } : { key: keyMarker, seq };
}

/** What {@link listVersionsPage} lists; `batch` is how many index rows it reads at a time (default 1000). */
export interface VersionsQuery {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
  batch?: number;
}

/** Walks versions (key ascending, newest first) from the markers under `prefix`, rolling keys up at `delimiter`, up to `maxKeys` entries. */
export function listVersionsPage(ctx: Pick<EngineContext, 'index'>, bucket: string, options: VersionsQuery): VersionsPage {
  const { prefix, delimiter, keyMarker, maxKeys } = options;
  const batch = options.batch ?? 1000;
  const page: VersionsPage = { versions: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return page;
  const upper = prefix === '' ? undefined : prefixSuccessor(prefix);
  const owner = ownerOf(bucket);
  let cursor = startCursor(ctx, bucket, prefix, delimiter, keyMarker, options.versionIdMarker);
  let count = 0;
  const full = (): boolean => {
    if (count < maxKeys) return false;
    page.isTruncated = true;
    return true;
  };
  for (;;) {
    const rows = cursor.seq !== undefined
      ? ctx.index.versions.olderVersions(bucket, cursor.key, cursor.seq, batch)
      : ctx.index.versions.listVersions(bucket, cursor.key, cursor.inclusive, upper, batch);
    let jumped = false;
    for (const row of rows) {
      const at = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      if (at !== -1) {
        const common = row.key.slice(0, at + delimiter.length);
        if (!keyMarker.startsWith(common)) {
          if (full()) return page;
          page.commonPrefixes.push(common);
          page.nextKeyMarker = common;
          page.nextVersionIdMarker = undefined;
          count++;
        }
        const next = prefixSuccessor(common);
        if (next === undefined) return page;
        cursor = { key: next, inclusive: true };
        jumped = true;
        break;
      }
      if (full()) return page;
      page.versions.push(entryOf(row, owner));
      page.nextKeyMarker = row.key;
      page.nextVersionIdMarker = row.versionId;
      count++;
    }
    if (jumped) continue;
    const last = rows[rows.length - 1];
    if (rows.length === batch) cursor = { key: last!.key, seq: last!.seq };
    else if (cursor.seq !== undefined) cursor = { key: cursor.key, inclusive: false };
    else return page;
  }
}

/** GET `?versions`: S3's ListObjectVersions (an unversioned bucket lists each object once, as version `null`). */
export function listVersions(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  const { prefix, delimiter, maxKeys, encodingType } = listParameters(r);
  const keyMarker = r.params.get('key-marker') ?? '';
  const versionIdMarker = r.params.get('version-id-marker') ?? '';
  if (versionIdMarker !== '' && keyMarker === '') throw cosError('InvalidArgument', 'version-id-marker requires key-marker.');
  if (versionIdMarker !== '' && !isVersionId(versionIdMarker)) throw cosError('InvalidArgument', 'The version-id-marker is not a valid version id.');
  const page = listVersionsPage(ctx, r.bucket, { prefix, delimiter, keyMarker, versionIdMarker, maxKeys });
  sendXml(r, 200, buildListVersionsResult({
    name: r.bucket, prefix, keyMarker, versionIdMarker, maxKeys, delimiter: delimiter || undefined, encodingType, isTruncated: page.isTruncated,
    nextKeyMarker: page.isTruncated ? page.nextKeyMarker : undefined, nextVersionIdMarker: page.isTruncated ? page.nextVersionIdMarker : undefined,
    versions: page.versions, commonPrefixes: page.commonPrefixes,
  }), { 'x-cos-bucket-region': ctx.region });
}
