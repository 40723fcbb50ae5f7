/** Adapts the COS client to sync's RemoteStore: one bucket, one SSE mode, keys already prefixed by sync. */
import { CosSyncError } from '../common/errors.ts';
import type { CosClient } from '../cos/cosClient.ts';
import type { SseRequest } from '../protocol/serverSideEncryption.ts';
import type { RemoteStore, StoredObject } from '../sync/remoteStore.ts';

/** Options of {@link createCosRemoteStore}. */
export interface CosRemoteStoreOptions {
  /** The client to use, looked up per call so that changed credentials apply at once (throws when unavailable). */
  client: () => CosClient;
  bucket: string;
  /** Encryption requested on every write. */
  sse: SseRequest;
  /** Parts in flight per multipart upload (default: the client's concurrency). */
  partConcurrency?: number;
}

const isMissing = (error: unknown): boolean => error instanceof CosSyncError && (error.code === 'NoSuchKey' || (error as { status?: number }).status === 404);

/** A {@link RemoteStore} over a {@link CosClient}. */
export function createCosRemoteStore({ client: clientOf, bucket, sse, partConcurrency }: CosRemoteStoreOptions): RemoteStore {
  const customerKey = sse.mode === 'customer' ? sse.key : undefined;
  const readOptions = (signal: AbortSignal | undefined): { customerKey?: Buffer; signal?: AbortSignal } => ({
    ...(customerKey ? { customerKey } : {}),
    ...(signal ? { signal } : {}),
  });
  return {
    async uploadFile(key, filePath, request) {
      const result = await clientOf().uploadFile(bucket, key, filePath, {
        sse,
        ...(request.contentType ? { contentType: request.contentType } : {}),
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(request.resume ? { resume: request.resume } : {}),
        ...(request.onSession ? { onSession: request.onSession } : {}),
        ...(request.onPart ? { onPart: (part) => request.onPart!({ partNumber: part.partNumber, etag: part.etag, crc64: part.crc64, size: part.size }) } : {}),
        ...(request.onProgress ? { onProgress: (sent: number) => request.onProgress!(sent) } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        ...(partConcurrency ? { concurrency: partConcurrency } : {}),
      });
      return { key, size: result.size, etag: result.etag, crc64: result.crc64, encryption: result.encryption };
    },
    async copyObject(sourceKey, destinationKey, signal) {
      const result = await clientOf().copyObject(bucket, destinationKey, { key: sourceKey, ...(customerKey ? { customerKey } : {}) }, { sse, ...(signal ? { signal } : {}) });
      const stored: Omit<StoredObject, 'size'> & { encryption: typeof result.encryption } = { key: destinationKey, etag: result.etag, encryption: result.encryption, lastModified: result.lastModified };
      if (result.crc64) stored.crc64 = result.crc64;
      return stored;
    },
    async deleteObject(key, signal) {
      await clientOf().deleteObject(bucket, key, signal);
    },
    async headObject(key, signal) {
      try {
        const info = await clientOf().headObject(bucket, key, readOptions(signal));
        const stored: StoredObject = { key, size: info.size, etag: info.etag, encryption: info.encryption };
        if (info.crc64) stored.crc64 = info.crc64;
        if (info.lastModified) stored.lastModified = info.lastModified;
        return stored;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async *listObjects(prefix, signal) {
      for await (const entry of clientOf().listAllObjects(bucket, { prefix, ...(signal ? { signal } : {}) })) {
        yield { key: entry.key, size: entry.size, etag: entry.etag, lastModified: entry.lastModified };
      }
    },
  };
}
