/** Multipart upload API calls: initiate, upload part (from a file range or bytes), part copy, complete, abort, list. */
import { createHash } from 'node:crypto';
import { customerKeyHeaders, sseRequestHeaders, type ConfirmedEncryption, type SseRequest } from '../protocol/serverSideEncryption.ts';
import {
  buildCompleteMultipartUpload,
  parseCompleteMultipartUploadResult,
  parseCopyPartResult,
  parseInitiateMultipartUploadResult,
  parseListMultipartUploadsResult,
  parseListPartsResult,
  type ListMultipartUploadsResult,
  type PartEntry,
} from '../protocol/xml.ts';
import { copySourceHeaders, type CopySource } from './copyObject.ts';
import { requireEncryption, responseCrc64, verifyCrc64 } from './integrity.ts';
import { contentRequestHeaders } from './objectInfo.ts';
import type { WriteOptions } from './putObject.ts';
import { bufferBody, fileRangeBody, md5Base64, md5OfFileRange, meteredBody, readFileRange, type BodyMeter, type RequestBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** With Content-MD5, parts up to this size are read into memory once (MD5, CRC-64 and body from one read); larger ones are read twice. */
const IN_MEMORY_PART = 64 * 1024 * 1024;

/** A part body: bytes, or a range of a file. */
export type PartSource = Uint8Array | { path: string; offset: number; length: number };

/** A stored part as the client records it (`crc64` decimal). */
export interface UploadedPart {
  partNumber: number;
  etag: string;
  crc64: string;
  size: number;
}

/** Options of {@link uploadPart}. */
export interface UploadPartOptions extends BodyMeter {
  /** The upload's encryption; SSE-C parts carry the key triple, and their echo is checked. */
  sse?: SseRequest;
  signal?: AbortSignal;
  /**
   * Send Content-MD5 (for servers that return no CRC-64): costs an MD5 pass before the part is sent. Default
   * false: a file range streams straight from the file and its CRC-64, computed as it is written, is compared
   * with the server's.
   */
  contentMd5?: boolean;
}

const ssecHeaders = (sse: SseRequest | undefined): Record<string, string> => (sse?.mode === 'customer' ? customerKeyHeaders(sse.key) : {});

/** Initiates a multipart upload; the encryption is fixed here and must be confirmed (`SseNotConfirmed`). */
export async function initiateMultipartUpload(transport: Transport, bucket: string, key: string, options: WriteOptions = {}): Promise<{ uploadId: string; encryption: ConfirmedEncryption }> {
  const sse = options.sse ?? { mode: 'AES256' };
  const headers: Record<string, string> = { ...contentRequestHeaders(options), ...sseRequestHeaders(sse) };
  if (options.contentType) headers['content-type'] = options.contentType;
  const { uploadId, responseHeaders } = await transport.send(
    { operation: 'Initiate Multipart Upload', method: 'POST', bucket, key, query: [['uploads', '']], headers, idempotent: false, signal: options.signal },
    (response) => ({ uploadId: parseInitiateMultipartUploadResult(response.body).uploadId, responseHeaders: response.headers }),
  );
  return { uploadId, encryption: requireEncryption(sse, responseHeaders, transport.writeTarget('Initiate Multipart Upload', bucket, key)) };
}

async function partBody(source: PartSource, contentMd5: boolean): Promise<{ body: RequestBody; md5?: string }> {
  if (source instanceof Uint8Array) return { body: bufferBody(source), md5: md5Base64(source) };
  // One read of each byte: streamed from the file, CRC-64 computed while it is written.
  if (!contentMd5) return { body: fileRangeBody(source.path, source.offset, source.length) };
  if (source.length <= IN_MEMORY_PART) {
    const buffer = await readFileRange(source.path, source.offset, source.length);
    return { body: bufferBody(buffer), md5: md5Base64(buffer) };
  }
  return { body: fileRangeBody(source.path, source.offset, source.length), md5: await md5OfFileRange(source.path, source.offset, source.length) };
}

/**
 * Uploads one part (with Content-MD5 for bytes, or for a file range when `contentMd5` is set), computing its CRC-64
 * while it is written and comparing it with the part CRC the server returns (`Crc64Mismatch`). Retried on
 * transient failures (the source is re-readable).
 */
export async function uploadPart(transport: Transport, bucket: string, key: string, uploadId: string, partNumber: number, source: PartSource, options: UploadPartOptions = {}): Promise<UploadedPart> {
  const prepared = await partBody(source, options.contentMd5 ?? false);
  const body = meteredBody(prepared.body, options);
  const response = await transport.send({
    operation: 'Upload Part',
    method: 'PUT',
    bucket,
    key,
    query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
    headers: { ...(prepared.md5 ? { 'content-md5': prepared.md5 } : {}), ...ssecHeaders(options.sse) },
    body,
    idempotent: true,
    signal: options.signal,
  });
  if (options.sse?.mode === 'customer') requireEncryption(options.sse, response.headers, transport.writeTarget('Upload Part', bucket, key));
  const crc64 = body.crc64();
  verifyCrc64(crc64, response.headers, `part ${partNumber} of '${key}'`);
  return { partNumber, etag: response.headers.etag ?? '', crc64, size: body.length };
}

/** Options of {@link uploadPartCopy}. */
export interface UploadPartCopyOptions {
  /** Inclusive byte range of the source; default the whole source. */
  range?: { start: number; end: number };
  /** The upload's encryption (only SSE-C needs repeating on parts). */
  sse?: SseRequest;
  /** `x-cos-copy-source-If-Match`: copy only while the source still has this ETag (else 412 `PreconditionFailed`). */
  sourceIfMatch?: string;
  signal?: AbortSignal;
}

/** Upload Part - Copy: copies `range` (inclusive bytes) of `source` into part `partNumber`. */
export async function uploadPartCopy(
  transport: Transport,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  source: CopySource,
  options: UploadPartCopyOptions = {},
): Promise<{ partNumber: number; etag: string; lastModified: string; crc64?: string }> {
  const headers: Record<string, string> = { ...copySourceHeaders(transport, bucket, source), ...ssecHeaders(options.sse) };
  if (options.sourceIfMatch) headers['x-cos-copy-source-if-match'] = options.sourceIfMatch;
  if (options.range) headers['x-cos-copy-source-range'] = `bytes=${options.range.start}-${options.range.end}`;
  return transport.send(
    { operation: 'Upload Part - Copy', method: 'PUT', bucket, key, query: [['partNumber', String(partNumber)], ['uploadId', uploadId]], headers, idempotent: true, signal: options.signal },
    (response) => {
      const result = parseCopyPartResult(response.body);
      const crc64 = responseCrc64(response.headers);
      return { partNumber, etag: result.etag, lastModified: result.lastModified, ...(crc64 ? { crc64 } : {}) };
    },
  );
}

/**
 * Completes an upload with the parts in ascending order. A 200 whose body is `<Error>` is a failure. When `sse`
 * is given the response must confirm it (`SseNotConfirmed`).
 */
export async function completeMultipartUpload(
  transport: Transport,
  bucket: string,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
  options: { sse?: SseRequest; signal?: AbortSignal } = {},
): Promise<{ etag: string; location: string; crc64?: string; encryption: ConfirmedEncryption }> {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const xml = Buffer.from(buildCompleteMultipartUpload({ parts: sorted.map(({ partNumber, etag }) => ({ partNumber, etag })) }));
  const { result, headers } = await transport.send(
    {
      operation: 'Complete Multipart Upload',
      method: 'POST',
      bucket,
      key,
      query: [['uploadId', uploadId]],
      headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(xml).digest('base64') },
      body: bufferBody(xml),
      idempotent: true,
      signal: options.signal,
    },
    (response) => ({ result: parseCompleteMultipartUploadResult(response.body), headers: response.headers }),
  );
  const encryption = requireEncryption(options.sse ?? { mode: 'none' }, headers, transport.writeTarget('Complete Multipart Upload', bucket, key));
  const crc64 = responseCrc64(headers);
  return { etag: result.etag, location: result.location, encryption, ...(crc64 ? { crc64 } : {}) };
}

/** Aborts an upload; an upload that no longer exists counts as aborted. */
export async function abortMultipartUpload(transport: Transport, bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
  try {
    await transport.send({ operation: 'Abort Multipart Upload', method: 'DELETE', bucket, key, query: [['uploadId', uploadId]], idempotent: true, signal });
  } catch (error) {
    if ((error as { code?: string }).code === 'NoSuchUpload') return;
    throw error;
  }
}

/** Every part stored for an upload (all pages, by `part-number-marker`). Throws CosError `NoSuchUpload` when it is gone. */
export async function listParts(transport: Transport, bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<PartEntry[]> {
  const parts: PartEntry[] = [];
  let marker: number | undefined;
  for (;;) {
    const query: [string, string][] = [['uploadId', uploadId]];
    if (marker !== undefined) query.push(['part-number-marker', String(marker)]);
    const page = await transport.send({ operation: 'List Parts', method: 'GET', bucket, key, query, idempotent: true, signal }, (response) => parseListPartsResult(response.body));
    parts.push(...page.parts);
    const next = page.nextPartNumberMarker ?? page.parts.at(-1)?.partNumber;
    if (!page.isTruncated || next === undefined || next === marker) return parts;
    marker = next;
  }
}

/** One page of in-progress uploads (`GET /?uploads`, `encoding-type=url`, keys decoded). */
export async function listMultipartUploads(
  transport: Transport,
  bucket: string,
  options: { prefix?: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; maxUploads?: number; signal?: AbortSignal } = {},
): Promise<ListMultipartUploadsResult> {
  const query: [string, string][] = [['uploads', ''], ['encoding-type', 'url']];
  if (options.prefix) query.push(['prefix', options.prefix]);
  if (options.delimiter) query.push(['delimiter', options.delimiter]);
  if (options.keyMarker) query.push(['key-marker', options.keyMarker]);
  if (options.uploadIdMarker) query.push(['upload-id-marker', options.uploadIdMarker]);
  if (options.maxUploads !== undefined) query.push(['max-uploads', String(options.maxUploads)]);
  return transport.send({ operation: 'List Multipart Uploads', method: 'GET', bucket, query, idempotent: true, signal: options.signal }, (response) => parseListMultipartUploadsResult(response.body));
}
