/** ObjectInfo: what HEAD/GET responses say about a stored object, read from its headers. */
import { confirmedEncryption, type ConfirmedEncryption } from '../protocol/serverSideEncryption.ts';
import type { ResponseHeaders } from './transport.ts';

/** Metadata of a stored object as HEAD (or GET) reports it. */
export interface ObjectInfo {
  key: string;
  /** Object size in bytes (the whole object, also for ranged GETs). */
  size: number;
  /** ETag as sent (quoted). Not a content hash for multipart or encrypted objects: compare `crc64` instead. */
  etag: string;
  /** Decimal `x-cos-hash-crc64ecma`, when the server has one. */
  crc64?: string;
  lastModified?: string;
  contentType?: string;
  /** Stored standard headers ({@link storedContentHeaders}: Cache-Control, Content-Disposition, …), names lowercased. */
  contentHeaders: Record<string, string>;
  /** `x-cos-storage-class`, when the server reports one. */
  storageClass?: string;
  /** User metadata (`x-cos-meta-*`), names lowercased without the prefix. */
  metadata: Record<string, string>;
  /** The encryption the server confirmed. */
  encryption: ConfirmedEncryption;
  versionId?: string;
}

/** Standard headers an object keeps and returns on GET/HEAD (a self-copy with `Replaced` must send them again). */
export const storedContentHeaders = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;

/** Reads {@link ObjectInfo} from response headers; `size` prefers the total of a `Content-Range`. */
export function objectInfoFromHeaders(key: string, headers: ResponseHeaders): ObjectInfo {
  const total = /\/(\d+)\s*$/.exec(headers['content-range'] ?? '')?.[1];
  const metadata: Record<string, string> = {};
  const contentHeaders: Record<string, string> = {};
  for (const name of storedContentHeaders) if (headers[name]) contentHeaders[name] = headers[name];
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-cos-meta-')) metadata[name.slice('x-cos-meta-'.length)] = value;
  const info: ObjectInfo = {
    key,
    size: Number(total ?? headers['content-length'] ?? 0),
    etag: headers.etag ?? '',
    metadata,
    contentHeaders,
    encryption: confirmedEncryption(headers),
  };
  if (headers['x-cos-hash-crc64ecma']) info.crc64 = headers['x-cos-hash-crc64ecma'];
  if (headers['last-modified']) info.lastModified = headers['last-modified'];
  if (headers['content-type']) info.contentType = headers['content-type'];
  if (headers['x-cos-storage-class']) info.storageClass = headers['x-cos-storage-class'];
  if (headers['x-cos-version-id']) info.versionId = headers['x-cos-version-id'];
  return info;
}

/** `x-cos-meta-*` request headers for user metadata (names lowercased). */
export function metadataHeaders(metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) headers[`x-cos-meta-${name.toLowerCase()}`] = value;
  return headers;
}

/** Request headers of a write's content description: user metadata, stored standard headers and storage class. */
export function contentRequestHeaders(options: { metadata?: Record<string, string>; contentHeaders?: Record<string, string>; storageClass?: string }): Record<string, string> {
  const headers = metadataHeaders(options.metadata);
  for (const [name, value] of Object.entries(options.contentHeaders ?? {})) {
    if ((storedContentHeaders as readonly string[]).includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  if (options.storageClass) headers['x-cos-storage-class'] = options.storageClass;
  return headers;
}
