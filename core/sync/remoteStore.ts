/** The remote side as sync needs it: a small consumer-defined interface that core/app adapts the COS client to. */

/** Server-side encryption the server confirmed (echoed) for an object. */
export type ConfirmedEncryption = { algorithm: 'AES256' } | { algorithm: 'cos/kms'; kmsKeyId?: string } | { algorithm: 'SSE-C'; keyMd5: string } | { algorithm: 'none' };

/** A multipart upload in progress, as persisted by the journal and handed back to resume it. */
export interface UploadSession {
  uploadId: string;
  partSize: number;
  parts: { partNumber: number; etag: string; crc64: string; size: number }[];
}

/** Options of one upload. */
export interface UploadRequest {
  size: number;
  contentType?: string;
  /** User metadata stored with the object (sync sends the file's modification time, see core/common/mtimeMetadata.ts). */
  metadata?: Record<string, string>;
  /** A session to continue: parts listed here are not sent again. */
  resume?: UploadSession;
  /** Called once a multipart session exists, BEFORE the first part is sent; awaited. */
  onSession?(session: { uploadId: string; partSize: number }): void | Promise<void>;
  /** Called when a part is stored; awaited before the next part starts (sync uses this to pace bandwidth). */
  onPart?(part: { partNumber: number; etag: string; crc64: string; size: number }): void | Promise<void>;
  /** Cumulative bytes sent for this upload (including resumed parts is not required). */
  onProgress?(bytesSent: number): void;
  signal?: AbortSignal;
}

/** Metadata of a stored object. `crc64` is the decimal `x-cos-hash-crc64ecma`. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  crc64?: string;
  encryption?: ConfirmedEncryption;
  lastModified?: string;
}

/**
 * What sync needs from a bucket (already scoped to a bucket; keys are full object keys including the pair's
 * prefix). Every method throws `CosSyncError` whose `retry` class (`retry` | `fatal` | `auth` | `offline` |
 * `cancelled`) decides how sync reacts.
 */
export interface RemoteStore {
  /** Uploads the file (PUT below the multipart threshold, resumable multipart above), with the pair's SSE; rejects with CosSyncError code 'SseNotConfirmed' if the server does not echo it and 'Crc64Mismatch' on integrity failure. Returns the CRC-64 (decimal string) the server reported. */
  uploadFile(key: string, filePath: string, request: UploadRequest): Promise<StoredObject & { encryption: ConfirmedEncryption; crc64: string }>;
  /** Server-side copy (used for renames and the backup delete policy), with the pair's SSE. */
  copyObject(sourceKey: string, destinationKey: string, signal?: AbortSignal): Promise<Omit<StoredObject, 'size'> & { encryption: ConfirmedEncryption }>;
  /** Deletes an object; deleting a missing key succeeds. */
  deleteObject(key: string, signal?: AbortSignal): Promise<void>;
  /** Metadata of an object, or undefined when it does not exist. */
  headObject(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /** Every object under `prefix` (listing entries usually carry no encryption and maybe no crc64). */
  listObjects(prefix: string, signal?: AbortSignal): AsyncIterable<StoredObject>;
}
