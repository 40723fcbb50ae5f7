/** PUT Object: a single-request upload from a file, a buffer or a stream, with SSE and CRC-64 checks. */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { sseRequestHeaders, type ConfirmedEncryption, type SseRequest } from '../protocol/serverSideEncryption.ts';
import { requireEncryption, verifyCrc64 } from './integrity.ts';
import { contentRequestHeaders } from './objectInfo.ts';
import { ProgressTracker, type ProgressCallback } from './progressTracker.ts';
import { bufferBody, fileRangeBody, md5Base64, md5OfFileRange, meteredBody, streamBody, type RequestBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** A PUT body: a file path (streamed), bytes, or a one-shot stream of known length (never retried). */
export type PutBody = string | Uint8Array | { stream: Readable | AsyncIterable<Uint8Array>; length: number };

/** Options shared by object writes. */
export interface WriteOptions {
  contentType?: string;
  /** User metadata, sent as `x-cos-meta-<name>`. */
  metadata?: Record<string, string>;
  /** Standard headers to store with the object (Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires). */
  contentHeaders?: Record<string, string>;
  /** `x-cos-storage-class` (e.g. STANDARD_IA); default the bucket's. */
  storageClass?: string;
  /** Encryption to request; default SSE-COS (`{ mode: 'AES256' }`). */
  sse?: SseRequest;
  signal?: AbortSignal;
}

/** Options of {@link putObject}. */
export interface PutObjectOptions extends WriteOptions {
  /** Send Content-MD5 (always for buffers; for files it costs an extra read). Default false for files. */
  contentMd5?: boolean;
  /** Cumulative bytes written, monotonic across retries. */
  onProgress?: ProgressCallback;
  /** Awaited before each chunk is written (bandwidth limit). */
  throttle?: (bytes: number) => Promise<void>;
}

/** Outcome of a verified write. */
export interface PutObjectResult {
  etag: string;
  /** Decimal CRC-64 of the data sent (equal to the server's when `crc64Verified`). */
  crc64: string;
  size: number;
  encryption: ConfirmedEncryption;
  /** False when the server reported no CRC-64 to compare with. */
  crc64Verified: boolean;
}

/** Builds the request body and its Content-MD5 (when known) for a {@link PutBody}. */
async function prepareBody(body: PutBody, contentMd5: boolean | undefined): Promise<{ body: RequestBody; md5?: string }> {
  if (typeof body === 'string') {
    const { size } = await stat(body);
    const md5 = contentMd5 ? await md5OfFileRange(body, 0, size) : undefined;
    return { body: fileRangeBody(body, 0, size), md5 };
  }
  if (body instanceof Uint8Array) return { body: bufferBody(body), md5: md5Base64(body) };
  return { body: streamBody(body.stream, body.length) };
}

/**
 * Uploads one object with PUT. Sends the SSE headers (SSE-COS unless `sse` says otherwise), computes the CRC-64
 * of the bytes as they are written and compares it with `x-cos-hash-crc64ecma`. Throws CosSyncError
 * `SseNotConfirmed` when the response does not confirm the encryption and `Crc64Mismatch` on a CRC difference.
 * Retried on transient failures unless the body is a one-shot stream.
 */
export async function putObject(transport: Transport, bucket: string, key: string, source: PutBody, options: PutObjectOptions = {}): Promise<PutObjectResult> {
  const sse = options.sse ?? { mode: 'AES256' };
  const prepared = await prepareBody(source, options.contentMd5);
  const progress = new ProgressTracker(prepared.body.length, options.onProgress, 0);
  const body = meteredBody(prepared.body, { throttle: options.throttle, onBytes: (bytes) => progress.update(1, bytes) });
  const headers: Record<string, string> = { ...contentRequestHeaders(options), ...sseRequestHeaders(sse) };
  if (options.contentType) headers['content-type'] = options.contentType;
  if (prepared.md5) headers['content-md5'] = prepared.md5;
  const response = await transport.send({ operation: 'PUT Object', method: 'PUT', bucket, key, headers, body, idempotent: true, signal: options.signal });
  const encryption = requireEncryption(sse, response.headers, transport.writeTarget('PUT Object', bucket, key));
  const crc64 = body.crc64();
  const crc64Verified = verifyCrc64(crc64, response.headers, `'${key}'`);
  progress.finish();
  return { etag: response.headers.etag ?? '', crc64, size: body.length, encryption, crc64Verified };
}
