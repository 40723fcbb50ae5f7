/** GET Bucket: ListObjects (V1: prefix, delimiter, marker, max-keys, encoding-type) and ListObjectsV2 (list-type=2). */
import { cosError } from '../../protocol/cosError.ts';
import { buildListObjectsResult, buildListObjectsV2Result, type ObjectEntry } from '../../protocol/xml.ts';
import { ownerOf } from './bucketHandlers.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';
import { prefixSuccessor } from '../storage/prefixSuccessor.ts';

/** One page of a listing. */
export interface ListingPage {
  contents: ObjectEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned (V1 NextMarker) when truncated. */
  nextMarker?: string;
}

/** Walks keys after `marker` under `prefix`, rolling keys up at `delimiter`, until `maxKeys` entries. */
export function listPage(ctx: EngineContext, bucket: string, prefix: string, delimiter: string, marker: string, maxKeys: number): ListingPage {
  const page: ListingPage = { contents: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return page;
  const upper = prefix === '' ? undefined : prefixSuccessor(prefix);
  const markerAfterPrefix = Buffer.compare(Buffer.from(marker), Buffer.from(prefix)) >= 0;
  let lower = markerAfterPrefix ? marker : prefix;
  let inclusive = !markerAfterPrefix;
  const owner = ownerOf(bucket);
  let count = 0;
  for (;;) {
    const rows = ctx.index.versions.listCurrent(bucket, lower, inclusive, upper, 1000);
    if (rows.length === 0) return page;
    let skipped = false;
    for (const row of rows) {
      if (delimiter !== '') {
        const at = row.key.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          const common = row.key.slice(0, at + delimiter.length);
          const next = prefixSuccessor(common);
          if (!(marker !== '' && marker.startsWith(common))) {
            if (count === maxKeys) {
              page.isTruncated = true;
              return page;
            }
            page.commonPrefixes.push(common);
            page.nextMarker = common;
            count++;
          }
          if (next === undefined) return page;
          lower = next;
          inclusive = true;
          skipped = true;
          break;
        }
      }
      if (count === maxKeys) {
        page.isTruncated = true;
        return page;
      }
      page.contents.push({
        key: row.key, lastModified: new Date(row.modified).toISOString(), etag: `"${row.etag}"`, size: row.size, storageClass: 'STANDARD', owner,
      });
      page.nextMarker = row.key;
      count++;
      lower = row.key;
      inclusive = false;
    }
    if (!skipped && rows.length < 1000) return page;
  }
}

/** The prefix, delimiter, max-keys (≤ 1000) and encoding-type of a listing request (empty values read as absent). */
export function listParameters(r: EngineRequest): { prefix: string; delimiter: string; maxKeys: number; encodingType: string | undefined } {
  const prefix = r.params.get('prefix') ?? '';
  const delimiter = r.params.get('delimiter') ?? '';
  const maxText = r.params.get('max-keys');
  if (maxText !== undefined && maxText !== '' && !/^\d+$/.test(maxText)) throw cosError('InvalidArgument', 'max-keys must be a whole number.');
  const maxKeys = maxText === undefined || maxText === '' ? 1000 : Math.min(1000, Number(maxText));
  const encoding = r.params.get('encoding-type');
  if (encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'url') throw cosError('InvalidArgument', "encoding-type must be 'url'.");
  return { prefix, delimiter, maxKeys, encodingType: encoding ? 'url' : undefined };
}

/** GET Bucket (V1 and V2). */
export function listObjects(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  const { prefix, delimiter, maxKeys, encodingType } = listParameters(r);
  const headers = { 'x-cos-bucket-region': ctx.region };
  if (r.params.get('list-type') === '2') {
    const token = r.params.get('continuation-token');
    let marker = r.params.get('start-after') ?? '';
    if (token) {
      marker = Buffer.from(token, 'base64url').toString('utf8');
      if (Buffer.from(marker, 'utf8').toString('base64url') !== token) throw cosError('InvalidArgument', 'The continuation token is not valid.');
    }
    const page = listPage(ctx, r.bucket, prefix, delimiter, marker, maxKeys);
    const fetchOwner = r.params.get('fetch-owner') === 'true';
    sendXml(r, 200, buildListObjectsV2Result({
      name: r.bucket, prefix, maxKeys, keyCount: page.contents.length + page.commonPrefixes.length, isTruncated: page.isTruncated,
      delimiter: delimiter || undefined, encodingType, continuationToken: token || undefined, startAfter: r.params.get('start-after') || undefined,
      nextContinuationToken: page.isTruncated && page.nextMarker !== undefined ? Buffer.from(page.nextMarker, 'utf8').toString('base64url') : undefined,
      contents: fetchOwner ? page.contents : page.contents.map(({ owner: _owner, ...entry }) => entry), commonPrefixes: page.commonPrefixes,
    }), headers);
    return;
  }
  const marker = r.params.get('marker') ?? '';
  const page = listPage(ctx, r.bucket, prefix, delimiter, marker, maxKeys);
  sendXml(r, 200, buildListObjectsResult({
    name: r.bucket, prefix, marker, maxKeys, delimiter: delimiter || undefined, isTruncated: page.isTruncated, encodingType,
    nextMarker: page.isTruncated ? page.nextMarker : undefined, contents: page.contents, commonPrefixes: page.commonPrefixes,
  }), headers);
}
