/** storedEncryption: what one HEAD says about how an object is stored (SSE-COS, SSE-KMS, SSE-C or none). */
import type { CosClient } from '../cos/cosClient.ts';
import type { ObjectInfo } from '../cos/objectInfo.ts';
import { CosError } from '../protocol/cosError.ts';

/** The encryption kinds an audit counts. */
export type EncryptionKind = 'SSE-COS' | 'SSE-KMS' | 'SSE-C' | 'none';

/** Every kind, in the order reports list them. */
export const encryptionKinds: readonly EncryptionKind[] = ['SSE-COS', 'SSE-KMS', 'SSE-C', 'none'];

/** How one object is stored. `info` is absent for SSE-C objects (their HEAD needs the key). */
export interface StoredEncryption {
  kind: EncryptionKind;
  /** KMS key id for SSE-KMS (`default` when the server names none). */
  kmsKeyId?: string;
  info?: ObjectInfo;
}

/** The client calls the backup workflows make (CosClient satisfies it; tests may wrap it to inject faults). */
export type BackupClient = Pick<CosClient, 'listAllObjects' | 'headObject' | 'getObject' | 'copyObject' | 'initiateMultipartUpload' | 'uploadPartCopy' | 'completeMultipartUpload' | 'abortMultipartUpload' | 'transport'>;

/**
 * HEADs `key` and classifies its encryption. An object stored with a customer key answers a HEAD without that key
 * with 400 (COS and S3 alike), so a 400 here counts as SSE-C rather than as an error; with `customerKey` the HEAD
 * carries the key and an SSE-C object is confirmed (and reported with its info) instead.
 */
export async function storedEncryption(client: BackupClient, bucket: string, key: string, options: { customerKey?: Buffer; signal?: AbortSignal } = {}): Promise<StoredEncryption> {
  let info: ObjectInfo;
  try {
    info = await client.headObject(bucket, key, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (!(error instanceof CosError && error.status === 400)) throw error;
    if (!options.customerKey) return { kind: 'SSE-C' };
    info = await client.headObject(bucket, key, { customerKey: options.customerKey, ...(options.signal ? { signal: options.signal } : {}) });
  }
  switch (info.encryption.algorithm) {
    case 'AES256':
      return { kind: 'SSE-COS', info };
    case 'cos/kms':
      return { kind: 'SSE-KMS', kmsKeyId: info.encryption.kmsKeyId ?? 'default', info };
    case 'SSE-C':
      return { kind: 'SSE-C', info };
    case 'none':
      return { kind: 'none', info };
  }
}
