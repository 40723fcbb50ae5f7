/** Stored object headers: Content-Type (default by extension), Cache-Control & co., x-cos-meta-* / x-amz-meta-* (2 KB cap). */
import type { IncomingHttpHeaders } from 'node:http';
import { cosError } from '../../protocol/cosError.ts';
import type { ContentRecord } from '../storage/engineIndex.ts';

/** Largest total user metadata (names after the prefix plus values), bytes. */
export const MAX_METADATA_BYTES = 2048;

/** Standard headers stored with an object and returned on GET/HEAD. */
export const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;

const types: Record<string, string> = {
  txt: 'text/plain', html: 'text/html', htm: 'text/html', css: 'text/css', csv: 'text/csv', md: 'text/markdown', xml: 'application/xml',
  js: 'application/javascript', mjs: 'application/javascript', json: 'application/json', pdf: 'application/pdf', zip: 'application/zip',
  gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', '7z': 'application/x-7z-compressed', rar: 'application/vnd.rar',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', ico: 'image/x-icon',
  bmp: 'image/bmp', tif: 'image/tiff', tiff: 'image/tiff', heic: 'image/heic', mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg',
  flac: 'audio/flac', m4a: 'audio/mp4', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', avi: 'video/x-msvideo', mkv: 'video/x-matroska',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', wasm: 'application/wasm', woff: 'font/woff', woff2: 'font/woff2',
  ttf: 'font/ttf', otf: 'font/otf', epub: 'application/epub+zip', apk: 'application/vnd.android.package-archive', exe: 'application/x-msdownload',
  bin: 'application/octet-stream', sh: 'application/x-sh', py: 'text/x-python', ts: 'video/mp2t', yaml: 'text/yaml', yml: 'text/yaml',
};

/** The Content-Type COS derives from a key's extension, else `application/octet-stream`. */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 && !(dot === 0 && name.length > 1)) return 'application/octet-stream';
  return types[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** User metadata from request headers (x-cos-meta-* and x-amz-meta-*, stored as x-cos-meta-<lowercase>); MetadataTooLarge above 2 KB. */
export function metadataFromHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, raw] of Object.entries(headers)) {
    const prefix = name.startsWith('x-cos-meta-') ? 'x-cos-meta-' : name.startsWith('x-amz-meta-') ? 'x-amz-meta-' : undefined;
    if (!prefix) continue;
    const value = single(raw);
    if (value === undefined) continue;
    const suffix = name.slice(prefix.length);
    if (suffix === '') continue;
    size += Buffer.byteLength(suffix) + Buffer.byteLength(value);
    meta[`x-cos-meta-${suffix}`] = value;
  }
  if (size > MAX_METADATA_BYTES) throw cosError('MetadataTooLarge', `User metadata is limited to ${MAX_METADATA_BYTES} bytes.`);
  return meta;
}

/** Content-Type, stored headers and metadata of a write; empty header values are ignored. */
export function contentFromHeaders(headers: IncomingHttpHeaders, key: string): ContentRecord {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = single(headers[name]);
    // `aws-chunked` names the request framing, not the object's coding: S3 strips it, and echoing it on GET misleads clients.
    if (name === 'content-encoding' && value !== undefined) {
      value = value.split(',').map((coding) => coding.trim()).filter((coding) => coding !== '' && coding.toLowerCase() !== 'aws-chunked').join(', ') || undefined;
    }
    if (value !== undefined) stored[name] = value;
  }
  return { contentType: single(headers['content-type']) ?? contentTypeFor(key), headers: stored, meta: metadataFromHeaders(headers) };
}

/** Total size of the request's header section (names, values, separators), bytes. */
export function headerSectionSize(rawHeaders: string[]): number {
  let size = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) size += rawHeaders[index]!.length + rawHeaders[index + 1]!.length + 4;
  return size;
}
