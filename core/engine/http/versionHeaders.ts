/** Version, delete-marker and tag-count headers of object answers, in the x-cos- spelling plus x-amz- for SigV4 clients. */
import type { ObjectRow, VersioningState } from '../storage/engineIndex.ts';

/** `x-cos-<name>` (and `x-amz-<name>` when `amz`) for each entry. */
export function cosHeaders(amz: boolean, entries: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(entries)) {
    out[`x-cos-${name}`] = value;
    if (amz) out[`x-amz-${name}`] = value;
  }
  return out;
}

/**
 * `version-id` of a version in a bucket whose versioning was ever configured (`null` included; none for an
 * unversioned bucket), and `delete-marker: true` for a delete marker.
 */
export function versionHeaders(object: Pick<ObjectRow, 'versionId' | 'deleteMarker'>, versioning: VersioningState, amz: boolean): Record<string, string> {
  const entries: Record<string, string> = {};
  if (versioning !== null) entries['version-id'] = object.versionId;
  if (object.deleteMarker) entries['delete-marker'] = 'true';
  return cosHeaders(amz, entries);
}

/** `tagging-count` of a version with tags (none without). */
export function taggingCountHeader(object: Pick<ObjectRow, 'tags'>, amz: boolean): Record<string, string> {
  return object.tags.length === 0 ? {} : cosHeaders(amz, { 'tagging-count': String(object.tags.length) });
}
