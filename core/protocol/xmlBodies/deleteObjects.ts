/** DELETE Multiple Objects bodies: the `Delete` request and the `DeleteResult` response. */
import { cosError } from '../cosError.ts';
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, bool, buildXml, children, optionalText, text, xmlBool, type XmlParseOptions } from '../xmlCodec.ts';

/** Most objects COS accepts in one `Delete` request. */
export const MAX_DELETE_OBJECTS = 1000;

/** One object to delete. */
export interface DeleteTarget {
  key: string;
  versionId?: string;
}

/** A parsed or to-be-built `Delete` request. */
export interface DeleteRequest {
  /** When true the response lists only errors. */
  quiet: boolean;
  objects: DeleteTarget[];
}

/** One successful deletion in a `DeleteResult`. */
export interface DeletedEntry {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
}

/** One failed deletion in a `DeleteResult`. */
export interface DeleteErrorEntry {
  key: string;
  versionId?: string;
  code: string;
  message: string;
}

/** A parsed or to-be-built `DeleteResult`. */
export interface DeleteResult {
  deleted: DeletedEntry[];
  errors: DeleteErrorEntry[];
}

/**
 * Parses a `Delete` request in any element order (the SDK puts `<Quiet>` after the objects). Throws CosError
 * `MalformedXML` for a bad document, an `<Object>` without `<Key>`, no objects, or more than `maxObjects`
 * (default 1000).
 */
export function parseDeleteRequest(input: string | Uint8Array, options: XmlParseOptions & { maxObjects?: number } = {}): DeleteRequest {
  const { node } = readXmlDocument(input, ['Delete'], options);
  const objects = children(node, 'Object').map((value): DeleteTarget => {
    const object = asNode(value);
    const key = optionalText(object, 'Key');
    if (key === undefined || key === '') throw cosError('MalformedXML', 'Every <Object> in a Delete request needs a <Key>.');
    const target: DeleteTarget = { key };
    const versionId = optionalText(object, 'VersionId');
    if (versionId) target.versionId = versionId;
    return target;
  });
  const limit = options.maxObjects ?? MAX_DELETE_OBJECTS;
  if (objects.length === 0) throw cosError('MalformedXML', 'A Delete request must name at least one object.');
  if (objects.length > limit) throw cosError('MalformedXML', `A Delete request may name at most ${limit} objects, not ${objects.length}.`);
  return { quiet: bool(node, 'Quiet'), objects };
}

/** Builds `<Delete><Quiet>…</Quiet><Object><Key>…</Key>[<VersionId>…</VersionId>]</Object>…</Delete>`. */
export function buildDeleteRequest(request: DeleteRequest): string {
  return buildXml('Delete', {
    Quiet: xmlBool(request.quiet),
    Object: request.objects.map((object) => ({ Key: object.key, VersionId: object.versionId })),
  });
}

/** Parses `DeleteResult` (`<Deleted>` and `<Error>` entries; `<DeleteResult/>` is empty). */
export function parseDeleteResult(input: string | Uint8Array, options?: XmlParseOptions): DeleteResult {
  const { node } = readXmlDocument(input, ['DeleteResult'], options);
  const deleted = children(node, 'Deleted').map((value): DeletedEntry => {
    const entry = asNode(value);
    const result: DeletedEntry = { key: text(entry, 'Key') };
    const versionId = optionalText(entry, 'VersionId');
    if (versionId) result.versionId = versionId;
    if (optionalText(entry, 'DeleteMarker') !== undefined) result.deleteMarker = bool(entry, 'DeleteMarker');
    const markerVersion = optionalText(entry, 'DeleteMarkerVersionId');
    if (markerVersion) result.deleteMarkerVersionId = markerVersion;
    return result;
  });
  const errors = children(node, 'Error').map((value): DeleteErrorEntry => {
    const entry = asNode(value);
    const result: DeleteErrorEntry = { key: text(entry, 'Key'), code: text(entry, 'Code'), message: text(entry, 'Message') };
    const versionId = optionalText(entry, 'VersionId');
    if (versionId) result.versionId = versionId;
    return result;
  });
  return { deleted, errors };
}

/** Builds the §3.7 `DeleteResult`: all `<Deleted>` entries, then all `<Error>` entries. */
export function buildDeleteResult(result: DeleteResult): string {
  return buildXml('DeleteResult', {
    Deleted: result.deleted.length
      ? result.deleted.map((entry) => ({
          Key: entry.key,
          VersionId: entry.versionId,
          DeleteMarker: entry.deleteMarker === undefined ? undefined : xmlBool(entry.deleteMarker),
          DeleteMarkerVersionId: entry.deleteMarkerVersionId,
        }))
      : undefined,
    Error: result.errors.length
      ? result.errors.map((entry) => ({ Key: entry.key, VersionId: entry.versionId, Code: entry.code, Message: entry.message }))
      : undefined,
  });
}
