/** GET and HEAD Object: a streamed (optionally ranged) read, a verified download to a file, and metadata. */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { customerKeyHeaders } from '../protocol/serverSideEncryption.ts';
import { Crc64Hasher } from '../protocol/crc64.ts';
import { crc64Mismatch } from './integrity.ts';
import { objectInfoFromHeaders, type ObjectInfo } from './objectInfo.ts';
import type { ResponseHeaders, Transport } from './transport.ts';
import { transportError } from './transportError.ts';

/** Options of reads. */
export interface ReadOptions {
  /** SSE-C key of the object (required to read SSE-C objects). */
  customerKey?: Buffer;
  /** A version of the object (`?versionId=`); default: the current version. */
  versionId?: string;
  signal?: AbortSignal;
}

/** Options of {@link getObject}. */
export interface GetObjectOptions extends ReadOptions {
  /** Inclusive byte range; `end` defaults to the end of the object. */
  range?: { start: number; end?: number };
}

/** A GET response: metadata, the HTTP status (200 or 206), the returned range and the body stream. */
export interface GetObjectResult {
  status: number;
  info: ObjectInfo;
  /** `Content-Range` of a 206. */
  contentRange?: string;
  /** Bytes in this response body. */
  contentLength: number;
  /** All response headers (lowercase names). */
  headers: ResponseHeaders;
  body: Readable;
}

function readHeaders(options: ReadOptions): Record<string, string> {
  return options.customerKey ? customerKeyHeaders(options.customerKey) : {};
}

function versionQuery(options: ReadOptions): [string, string][] {
  return options.versionId === undefined ? [] : [['versionId', options.versionId]];
}

/** Reads an object (or a range of it) as a stream; the caller must consume or destroy `body`. */
export async function getObject(transport: Transport, bucket: string, key: string, options: GetObjectOptions = {}): Promise<GetObjectResult> {
  const headers = readHeaders(options);
  if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
  const response = await transport.open({ operation: 'GET Object', method: 'GET', bucket, key, query: versionQuery(options), headers, idempotent: true, signal: options.signal });
  const result: GetObjectResult = {
    status: response.status,
    info: objectInfoFromHeaders(key, response.headers),
    contentLength: Number(response.headers['content-length'] ?? 0),
    headers: response.headers,
    body: response.body,
  };
  if (response.headers['content-range']) result.contentRange = response.headers['content-range'];
  return result;
}

/**
 * Downloads a whole object to `path` (through a temporary file of its own, flushed to disk and renamed at the end),
 * verifying the CRC-64 when the server reports one (`Crc64Mismatch` otherwise). Returns the object's metadata.
 * Concurrent downloads to one path never share a temporary file; the last rename wins with one whole object.
 */
export async function getObjectToFile(transport: Transport, bucket: string, key: string, path: string, options: ReadOptions = {}): Promise<ObjectInfo> {
  const result = await getObject(transport, bucket, key, options);
  const hasher = new Crc64Hasher();
  const temporary = `${path}.${randomBytes(6).toString('hex')}.cos-sync-download`;
  try {
    await pipeline(
      result.body,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hasher.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(temporary, { flags: 'wx', flush: true }),
      { signal: options.signal },
    );
  } catch (error) {
    await rm(temporary, { force: true });
    throw transportError(error, 'GET Object', transport.peerHost(bucket), options.signal);
  }
  if (result.info.crc64 !== undefined && result.info.crc64 !== hasher.digestString()) {
    await rm(temporary, { force: true });
    throw crc64Mismatch(`'${key}'`, hasher.digestString(), result.info.crc64);
  }
  await rename(temporary, path);
  return result.info;
}

/** HEAD Object: the object's metadata, confirmed encryption and CRC-64. A missing object throws CosError `NoSuchKey`. */
export async function headObject(transport: Transport, bucket: string, key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
  const response = await transport.send({ operation: 'HEAD Object', method: 'HEAD', bucket, key, query: versionQuery(options), headers: readHeaders(options), idempotent: true, signal: options.signal });
  return objectInfoFromHeaders(key, response.headers);
}
