/** Which version a request addresses (`versionId`), the errors and headers S3 clients expect around it, and versioned deletes. */
import type { IncomingHttpHeaders } from 'node:http';
import { CosError, cosError } from '../../protocol/cosError.ts';
import { parseTaggingHeader, sortTags, tagSetProblem, type DeletedEntry, type ObjectTag } from '../../protocol/xml.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { firstHeader } from '../http/sseRequest.ts';
import { cosHeaders, versionHeaders } from '../http/versionHeaders.ts';
import type { ObjectRow, VersioningState } from '../storage/engineIndex.ts';
import { isVersionId, type VersionChange } from '../storage/objectVersions.ts';

/** NoSuchVersion: 404 for SigV4 (S3) clients, the COS table's 400 for COS clients. */
export function noSuchVersion(amz: boolean, message = 'The specified version does not exist.'): CosError {
  return new CosError({ code: 'NoSuchVersion', status: amz ? 404 : 400, message });
}

/** The `versionId` query parameter; undefined when absent or empty. A malformed id: InvalidArgument (S3) or NoSuchVersion (COS). */
export function requestedVersionId(r: EngineRequest): string | undefined {
  const value = r.params.get('versionId');
  if (value === undefined || value === '') return undefined;
  if (!isVersionId(value)) throw r.amz ? cosError('InvalidArgument', 'Invalid version id specified.') : noSuchVersion(false);
  return value;
}

/**
 * The data version a GET, HEAD or `?tagging` request reads: `versionId`, else the current version. Otherwise throws,
 * leaving the headers S3 clients inspect on the error answer: 404 NoSuchKey with `delete-marker: true` (and the
 * marker's version id) when the current version is a delete marker, `false` when there is no version; 405
 * MethodNotAllowed with `delete-marker: true` when `versionId` names a marker; NoSuchVersion for an unknown id.
 */
export function readVersion(ctx: EngineContext, r: EngineRequest, versionId: string | undefined, versioning: VersioningState): ObjectRow {
  const row = versionId === undefined ? ctx.index.versions.current(r.bucket, r.key) : ctx.index.versions.version(r.bucket, r.key, versionId);
  if (row && !row.deleteMarker) return row;
  if (versionId !== undefined && !row) throw noSuchVersion(r.amz);
  const headers = row ? versionHeaders(row, versioning, r.amz) : cosHeaders(r.amz, { 'delete-marker': 'false' });
  for (const [name, value] of Object.entries(headers)) r.res.setHeader(name, value);
  if (versionId === undefined) throw cosError('NoSuchKey');
  r.res.setHeader('Last-Modified', new Date(row!.modified).toUTCString());
  throw cosError('MethodNotAllowed', 'The specified version is a delete marker.');
}

/** The data version a copy reads from its source: NoSuchKey / NoSuchVersion when missing, InvalidRequest when a delete marker. */
export function copySourceVersion(ctx: EngineContext, bucket: string, key: string, versionId: string | undefined, amz: boolean): ObjectRow {
  const row = versionId === undefined ? ctx.index.versions.current(bucket, key) : ctx.index.versions.version(bucket, key, versionId);
  if (!row && versionId !== undefined) throw noSuchVersion(amz, 'The copy source version does not exist.');
  if (!row || (row.deleteMarker && versionId === undefined)) throw cosError('NoSuchKey', 'The copy source object does not exist.');
  if (row.deleteMarker) throw cosError('InvalidRequest', 'The copy source version is a delete marker.');
  return row;
}

/**
 * Tags of a write from `x-cos-tagging` / `x-amz-tagging` in `headers` (request headers, or POST form fields), sorted
 * by key; InvalidTag (S3) / InvalidArgument (COS) beyond the limits.
 */
export function requestTags(r: EngineRequest, headers: IncomingHttpHeaders = r.req.headers): ObjectTag[] {
  const header = firstHeader(headers, 'x-cos-tagging', 'x-amz-tagging');
  return header === undefined ? [] : checkedTags(r, parseTaggingHeader(header));
}

/** `tags` sorted by key after checking COS's limits (InvalidTag for S3 clients, InvalidArgument for COS clients). */
export function checkedTags(r: EngineRequest, tags: ObjectTag[]): ObjectTag[] {
  const problem = tagSetProblem(tags);
  if (problem) throw cosError(r.amz ? 'InvalidTag' : 'InvalidArgument', problem);
  return sortTags(tags);
}

/** A versioned delete's outcome plus the bucket's versioning state. */
export interface DeleteOutcome extends VersionChange {
  versioning: VersioningState;
}

/**
 * Deletes `bucket/key` in one group commit — the current version (a delete marker where versioning was configured),
 * or version `versionId` for good — then unlinks the freed blobs. Deleting what does not exist succeeds.
 */
export async function deleteVersion(ctx: EngineContext, bucket: string, key: string, versionId: string | undefined): Promise<DeleteOutcome> {
  const outcome = await ctx.index.commit((): DeleteOutcome => {
    const row = ctx.index.getBucket(bucket);
    if (!row) throw cosError('NoSuchBucket');
    const change = versionId === undefined
      ? ctx.index.versions.deleteCurrent(row.versioning, bucket, key, ctx.clock.now())
      : ctx.index.versions.deleteVersion(bucket, key, versionId);
    return { ...change, versioning: row.versioning };
  });
  await ctx.blobs.remove(outcome.removed);
  return outcome;
}

/** The DELETE answer headers: the deleted version id (and `delete-marker` when it was one), or the new marker's. */
export function deleteHeaders(outcome: DeleteOutcome, versionId: string | undefined, amz: boolean): Record<string, string> {
  if (versionId !== undefined) return cosHeaders(amz, outcome.deleted?.deleteMarker ? { 'version-id': versionId, 'delete-marker': 'true' } : { 'version-id': versionId });
  return outcome.marker ? versionHeaders(outcome.marker, outcome.versioning, amz) : {};
}

/** The `<Deleted>` entry of a multi-delete for the same outcome. */
export function deletedEntry(key: string, outcome: DeleteOutcome, versionId: string | undefined): DeletedEntry {
  if (versionId !== undefined) return outcome.deleted?.deleteMarker ? { key, versionId, deleteMarker: true, deleteMarkerVersionId: versionId } : { key, versionId };
  return outcome.marker ? { key, deleteMarker: true, deleteMarkerVersionId: outcome.marker.versionId } : { key };
}
