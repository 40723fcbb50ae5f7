/** List Parts (`GET /key?uploadId`) and List Multipart Uploads (`GET /?uploads`). */
import { cosError } from '../../protocol/cosError.ts';
import { buildListMultipartUploadsResult, buildListPartsResult, type UploadEntry } from '../../protocol/xml.ts';
import { ownerOf } from './bucketHandlers.ts';
import type { EngineContext } from './engineContext.ts';
import type { EngineRequest } from '../http/engineRequest.ts';
import { sendXml } from '../http/engineResponse.ts';
import { requireUpload } from './multipartHandlers.ts';
import { requireBucket, requireSigned } from './objectHandlers.ts';

function limitParam(r: EngineRequest, name: string, fallback: number): number {
  const text = r.params.get(name);
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000) throw cosError('InvalidArgument', `${name} must be between 1 and 1000.`);
  return Number(text);
}

function encodingParam(r: EngineRequest): string | undefined {
  const encoding = r.params.get('encoding-type');
  if (encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'url') throw cosError('InvalidArgument', "encoding-type must be 'url'.");
  return encoding ? 'url' : undefined;
}

/** List Parts: quoted MD5 ETags and sizes, `max-parts`, `part-number-marker`. */
export function listParts(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  const upload = requireUpload(ctx, r);
  const maxParts = limitParam(r, 'max-parts', 1000);
  const markerText = r.params.get('part-number-marker') ?? '0';
  if (!/^\d*$/.test(markerText)) throw cosError('InvalidArgument', 'part-number-marker must be a whole number.');
  const marker = Number(markerText || '0');
  const rows = ctx.index.uploadParts(upload.uploadId, marker, maxParts + 1);
  const parts = rows.slice(0, maxParts);
  const truncated = rows.length > maxParts;
  const owner = ownerOf(r.bucket);
  sendXml(r, 200, buildListPartsResult({
    bucket: r.bucket, key: r.key, uploadId: upload.uploadId, encodingType: encodingParam(r), owner, initiator: owner, partNumberMarker: marker,
    nextPartNumberMarker: parts.length > 0 ? parts[parts.length - 1]!.partNumber : undefined, storageClass: 'STANDARD', maxParts, isTruncated: truncated,
    parts: parts.map((part) => ({ partNumber: part.partNumber, lastModified: new Date(part.modified).toISOString(), etag: `"${part.md5}"`, size: part.size })),
  }));
}

/** List Multipart Uploads: `prefix`, `delimiter`, `key-marker`, `upload-id-marker`, `max-uploads`, `UploadID` elements. */
export function listUploads(ctx: EngineContext, r: EngineRequest): void {
  requireSigned(r);
  requireBucket(ctx, r);
  const prefix = r.params.get('prefix') ?? '';
  const delimiter = r.params.get('delimiter') ?? '';
  const keyMarker = r.params.get('key-marker') ?? '';
  const uploadIdMarker = keyMarker === '' ? '' : (r.params.get('upload-id-marker') ?? '');
  const maxUploads = limitParam(r, 'max-uploads', 1000);
  const owner = ownerOf(r.bucket);
  const uploads: UploadEntry[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let cursorKey = keyMarker;
  let cursorId = uploadIdMarker === '' && keyMarker !== '' ? '\u{10FFFF}' : uploadIdMarker;
  let next: { key: string; uploadId: string } | undefined;
  outer: for (;;) {
    const rows = ctx.index.listUploads(r.bucket, prefix, cursorKey, cursorId, 1000);
    if (rows.length === 0) break;
    for (const row of rows) {
      cursorKey = row.key;
      cursorId = row.uploadId;
      const at = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      const common = at === -1 ? undefined : row.key.slice(0, at + delimiter.length);
      if (common !== undefined && commonPrefixes.at(-1) === common) continue;
      if (uploads.length + commonPrefixes.length === maxUploads) {
        truncated = true;
        break outer;
      }
      if (common !== undefined) commonPrefixes.push(common);
      else uploads.push({ key: row.key, uploadId: row.uploadId, storageClass: 'STANDARD', initiator: owner, owner, initiated: new Date(row.initiated).toISOString() });
      next = { key: row.key, uploadId: row.uploadId };
    }
    if (rows.length < 1000) break;
  }
  sendXml(r, 200, buildListMultipartUploadsResult({
    bucket: r.bucket, encodingType: encodingParam(r), keyMarker, uploadIdMarker, maxUploads, prefix, delimiter: delimiter || undefined,
    isTruncated: truncated, nextKeyMarker: truncated ? next?.key : undefined, nextUploadIdMarker: truncated ? next?.uploadId : undefined,
    uploads, commonPrefixes,
  }));
}
