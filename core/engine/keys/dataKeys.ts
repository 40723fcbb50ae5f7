/** Per-blob data keys: generate, seal (master key, KMS key or SSE-C key) and unseal; tracks in-flight seals per key version. */
import {
  generateDataKey, MASTER_KEY_ID, sealDataKey, sealWithCustomerKey, unsealDataKey, unsealWithCustomerKey, type Keyring,
} from '../../crypto/index.ts';
import type { SegmentRow, SseRecord } from '../storage/engineIndex.ts';

/** The encryption context of one blob: binds bucket, key, upload id, part number and blob id. */
export function segmentContext(bucket: string, key: string, uploadId: string | null, partNumber: number, blobId: string): string {
  return JSON.stringify(['cos-sync-engine/1', bucket, key, uploadId ?? '', partNumber, blobId]);
}

/** A freshly sealed data key for a blob about to be written; call `release` once the write committed or failed. */
export interface SealedDataKey {
  dataKey: Buffer;
  sealedKey: string;
  sealKeyId: string | null;
  sealVersion: number | null;
  release(): void;
}

/** Seals and unseals data keys against the keyring; counts seals not yet committed so a key version is never removed under them. */
export class DataKeys {
  readonly keyring: Keyring;
  readonly #inFlight = new Map<string, number>();

  constructor(keyring: Keyring) {
    this.keyring = keyring;
  }

  /** True while some write sealed with `keyId`/`version` has not finished. */
  inFlight(keyId: string, version: number): boolean {
    return (this.#inFlight.get(`${keyId}#${version}`) ?? 0) > 0;
  }

  #lease(keyId: string, version: number): () => void {
    const name = `${keyId}#${version}`;
    this.#inFlight.set(name, (this.#inFlight.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(name) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(name);
      else this.#inFlight.set(name, left);
    };
  }

  /** A new data key sealed for `record` and `context`; undefined for plain storage. */
  async seal(record: SseRecord, customerKey: Buffer | undefined, context: string): Promise<SealedDataKey | undefined> {
    if (record.sse === 'none') return undefined;
    const dataKey = generateDataKey();
    if (record.sse === 'SSE-C') {
      if (!customerKey) throw new Error('SSE-C write without a customer key');
      const sealedKey = sealWithCustomerKey(customerKey, Buffer.from(record.customerSalt ?? '', 'base64'), dataKey, context);
      return { dataKey, sealedKey, sealKeyId: null, sealVersion: null, release: () => {} };
    }
    const master = record.sse === 'AES256' ? this.keyring.active(MASTER_KEY_ID) : await this.keyring.kmsKey(record.kmsKeyId!, true);
    const release = this.#lease(master.id, master.version);
    const sealed = sealDataKey(master, dataKey, context);
    return { dataKey, sealedKey: sealed.text, sealKeyId: sealed.keyId, sealVersion: sealed.version, release };
  }

  /** The data key of a stored segment (throws KeyUnsealError); undefined for plain segments. */
  unseal(record: SseRecord, segment: SegmentRow, bucket: string, key: string, customerKey: Buffer | undefined): Buffer | undefined {
    if (segment.sealedKey === null) return undefined;
    const context = segmentContext(bucket, key, segment.uploadId, segment.partNumber, segment.blobId);
    if (record.sse === 'SSE-C') {
      if (!customerKey) throw new Error('SSE-C read without a customer key');
      return unsealWithCustomerKey(customerKey, Buffer.from(record.customerSalt ?? '', 'base64'), segment.sealedKey, context);
    }
    return unsealDataKey(this.keyring, segment.sealedKey, context);
  }
}
