/** What object content is read from and written to: the index, the blob files, the data keys and a clock. */
import type { Clock } from '../../common/clock.ts';
import type { DataKeys } from '../keys/dataKeys.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { EngineIndex } from '../storage/engineIndex.ts';
import type { CryptoPool } from './cryptoPool.ts';

/** The stores a content write or read needs; the API's EngineContext extends it. */
export interface ContentStores {
  index: EngineIndex;
  blobs: BlobStore;
  keys: DataKeys;
  clock: Clock;
  /** Worker threads that hash, encrypt and decrypt large bodies; without them that work runs on the main thread. */
  crypto?: CryptoPool;
  /** Whole objects declared at most this many bytes are kept in the index, not in a blob file (default 32 KiB; 0 turns it off). */
  inlineMax?: number;
}
