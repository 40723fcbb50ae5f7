/** CosClient: the COS API surface the app, sync and CLI use, over one signed keep-alive transport. */
import type { EncryptionRule, LifecycleRule, ListMultipartUploadsResult, ListVersionsResult, ObjectEntry, PartEntry, VersionEntry, VersioningStatus } from '../protocol/xml.ts';
import type { ConfirmedEncryption, SseRequest } from '../protocol/serverSideEncryption.ts';
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from './bucketEncryption.ts';
import {
  getBucketLifecycle, getBucketVersioning, listKeyVersions, listObjectVersions, putBucketLifecycle, putBucketVersioning, type ListVersionsOptions,
} from './bucketVersioning.ts';
import { copyObject, type CopyObjectOptions, type CopyObjectResult, type CopySource } from './copyObject.ts';
import { deleteObject, deleteObjects, type DeleteObjectsResult } from './deleteObjects.ts';
import { getObject, getObjectToFile, headObject, type GetObjectOptions, type GetObjectResult, type ReadOptions } from './getObject.ts';
import { headBucket, listAllObjects, listObjects, type ListObjectsOptions, type ListObjectsPage } from './listing.ts';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
  type PartSource,
  type UploadPartCopyOptions,
  type UploadPartOptions,
  type UploadedPart,
} from './multipart.ts';
import type { ObjectInfo } from './objectInfo.ts';
import { postObject, type PostObjectOptions } from './postObject.ts';
import { putObject, type PutBody, type PutObjectOptions, type PutObjectResult, type WriteOptions } from './putObject.ts';
import { Transport, type TransportOptions } from './transport.ts';
import { uploadFile, type UploadFileOptions, type UploadFileResult } from './uploadFile.ts';

/** Options of {@link CosClient}: connection, signing and retry settings plus the default parallelism. */
export interface CosClientOptions extends TransportOptions {
  /** Parts uploaded in parallel by {@link CosClient.uploadFile} unless it says otherwise. Default 4. */
  concurrency?: number;
}

/**
 * A COS client. Every request is signed (q-sign, 900 s), retried with backoff when it is safe to send again, and
 * mapped to CosError/CosSyncError with a retry class. Writes request SSE-COS unless told otherwise and fail with
 * `SseNotConfirmed` when the server does not confirm it. Call {@link close} when done.
 */
export class CosClient {
  readonly transport: Transport;
  readonly concurrency: number;

  constructor(options: CosClientOptions) {
    this.transport = new Transport(options);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Closes the connection pool (unless a dispatcher was injected). */
  close(): Promise<void> {
    return this.transport.close();
  }

  /** HEAD Bucket: resolves when the bucket exists and the key pair may use it (CosError `NoSuchBucket`, `AccessDenied`…). */
  headBucket(bucket: string, signal?: AbortSignal): Promise<{ region?: string }> {
    return headBucket(this.transport, bucket, signal);
  }

  /** The bucket's default encryption rule, or undefined when none is set. */
  getBucketEncryption(bucket: string, signal?: AbortSignal): Promise<EncryptionRule | undefined> {
    return getBucketEncryption(this.transport, bucket, signal);
  }

  /** Sets the bucket's default encryption rule. */
  putBucketEncryption(bucket: string, rule: EncryptionRule, signal?: AbortSignal): Promise<void> {
    return putBucketEncryption(this.transport, bucket, rule, signal);
  }

  /** Removes the bucket's default encryption. */
  deleteBucketEncryption(bucket: string, signal?: AbortSignal): Promise<void> {
    return deleteBucketEncryption(this.transport, bucket, signal);
  }

  /** The bucket's versioning status; undefined when versioning was never configured. */
  getBucketVersioning(bucket: string, signal?: AbortSignal): Promise<VersioningStatus | undefined> {
    return getBucketVersioning(this.transport, bucket, signal);
  }

  /** Enables or suspends versioning (a versioned bucket never becomes unversioned again). */
  putBucketVersioning(bucket: string, status: VersioningStatus, signal?: AbortSignal): Promise<void> {
    return putBucketVersioning(this.transport, bucket, status, signal);
  }

  /** The bucket's lifecycle rules ([] when none). */
  getBucketLifecycle(bucket: string, signal?: AbortSignal): Promise<LifecycleRule[]> {
    return getBucketLifecycle(this.transport, bucket, signal);
  }

  /** Replaces the bucket's lifecycle rules (an empty list removes the configuration). */
  putBucketLifecycle(bucket: string, rules: readonly LifecycleRule[], signal?: AbortSignal): Promise<void> {
    return putBucketLifecycle(this.transport, bucket, rules, signal);
  }

  /** One ListObjectVersions page (`encoding-type=url` requested and decoded). */
  listObjectVersions(bucket: string, options?: ListVersionsOptions): Promise<ListVersionsResult> {
    return listObjectVersions(this.transport, bucket, options);
  }

  /** Every version and delete marker of one key, newest first. */
  listKeyVersions(bucket: string, key: string, signal?: AbortSignal): Promise<VersionEntry[]> {
    return listKeyVersions(this.transport, bucket, key, signal);
  }

  /** One listing page (`encoding-type=url` requested and decoded). */
  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage> {
    return listObjects(this.transport, bucket, options);
  }

  /** Every object under the prefix, across pages. */
  listAllObjects(bucket: string, options?: Omit<ListObjectsOptions, 'marker'>): AsyncGenerator<ObjectEntry> {
    return listAllObjects(this.transport, bucket, options);
  }

  /** PUT Object from a file path (streamed), bytes, or a one-shot stream; SSE confirmed, CRC-64 verified. */
  putObject(bucket: string, key: string, body: PutBody, options?: PutObjectOptions): Promise<PutObjectResult> {
    return putObject(this.transport, bucket, key, body, options);
  }

  /** POST Object (form upload signed with a policy), SSE as form fields; checked like {@link putObject}. */
  postObject(bucket: string, key: string, data: Uint8Array, options?: PostObjectOptions): Promise<PutObjectResult> {
    return postObject(this.transport, bucket, key, data, options);
  }

  /** GET Object (optionally a range) as a stream with the object's metadata. */
  getObject(bucket: string, key: string, options?: GetObjectOptions): Promise<GetObjectResult> {
    return getObject(this.transport, bucket, key, options);
  }

  /** Downloads a whole object to a file, verifying its CRC-64. */
  getObjectToFile(bucket: string, key: string, path: string, options?: ReadOptions): Promise<ObjectInfo> {
    return getObjectToFile(this.transport, bucket, key, path, options);
  }

  /** HEAD Object: size, ETag, CRC-64, metadata and confirmed encryption (`customerKey` for SSE-C objects). */
  headObject(bucket: string, key: string, options?: ReadOptions): Promise<ObjectInfo> {
    return headObject(this.transport, bucket, key, options);
  }

  /** Deletes an object; a missing key is not an error. */
  deleteObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    return deleteObject(this.transport, bucket, key, signal);
  }

  /** Deletes many objects, 1000 keys per request. */
  deleteObjects(bucket: string, keys: readonly string[], signal?: AbortSignal): Promise<DeleteObjectsResult> {
    return deleteObjects(this.transport, bucket, keys, signal);
  }

  /** Server-side copy with destination SSE (default SSE-COS) and an optional SSE-C source key. */
  copyObject(bucket: string, key: string, source: CopySource, options?: CopyObjectOptions): Promise<CopyObjectResult> {
    return copyObject(this.transport, bucket, key, source, options);
  }

  /** Starts a multipart upload; its encryption is fixed here and must be confirmed. */
  initiateMultipartUpload(bucket: string, key: string, options?: WriteOptions): Promise<{ uploadId: string; encryption: ConfirmedEncryption }> {
    return initiateMultipartUpload(this.transport, bucket, key, options);
  }

  /** Uploads one part from bytes or a file range, with Content-MD5 and a CRC-64 check. */
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, source: PartSource, options?: UploadPartOptions): Promise<UploadedPart> {
    return uploadPart(this.transport, bucket, key, uploadId, partNumber, source, options);
  }

  /** Copies a byte range of an object into a part. */
  uploadPartCopy(bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource, options?: UploadPartCopyOptions): ReturnType<typeof uploadPartCopy> {
    return uploadPartCopy(this.transport, bucket, key, uploadId, partNumber, source, options);
  }

  /** Completes an upload (a 200 with an `<Error>` body is a failure). */
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[], options?: { sse?: SseRequest; signal?: AbortSignal }): ReturnType<typeof completeMultipartUpload> {
    return completeMultipartUpload(this.transport, bucket, key, uploadId, parts, options);
  }

  /** Aborts an upload; an upload already gone counts as aborted. */
  abortMultipartUpload(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    return abortMultipartUpload(this.transport, bucket, key, uploadId, signal);
  }

  /** All parts of an upload (every page). */
  listParts(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<PartEntry[]> {
    return listParts(this.transport, bucket, key, uploadId, signal);
  }

  /** One page of uploads in progress. */
  listMultipartUploads(bucket: string, options?: Parameters<typeof listMultipartUploads>[2]): Promise<ListMultipartUploadsResult> {
    return listMultipartUploads(this.transport, bucket, options);
  }

  /** Uploads a file: PUT or resumable parallel multipart, SSE confirmed and CRC-64 verified (see {@link uploadFile}). */
  uploadFile(bucket: string, key: string, filePath: string, options: UploadFileOptions = {}): Promise<UploadFileResult> {
    return uploadFile(this.transport, bucket, key, filePath, options, this.concurrency);
  }
}
