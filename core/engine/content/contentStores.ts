/** What object content is read from and written to: the index, the blob files, the data keys and a clock. */
import type { Clock } from '../../common/clock.ts';
import type { DataKeys } from '../keys/dataKeys.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { EngineIndex } from '../storage/engineIndex.ts';

/** The stores a content write or read needs; the API's EngineContext extends it. */
export interface ContentStores {
  index: EngineIndex;
  blobs: BlobStore;
  keys: DataKeys;
  clock: Clock;
}
