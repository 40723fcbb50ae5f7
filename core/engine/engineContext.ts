/** Shared state of a running engine that handlers use: index, blobs, data keys, region, clock, logger, credentials. */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { BlobStore } from './blobStore.ts';
import type { DataKeys } from './dataKeys.ts';
import type { EngineIndex } from './engineIndex.ts';

/** Everything a request handler may touch. */
export interface EngineContext {
  index: EngineIndex;
  blobs: BlobStore;
  keys: DataKeys;
  region: string;
  clock: Clock;
  logger: Logger;
  /** The SecretKey of a SecretId, or undefined. */
  lookupSecret(secretId: string): string | undefined;
}
