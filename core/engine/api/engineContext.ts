/** Shared state of a running engine that handlers use: the content stores plus region, logger, credentials and bucket policies. */
import type { Logger } from '../../common/logger.ts';
import type { ContentStores } from '../content/contentStores.ts';
import type { BucketPolicies } from './bucketPolicies.ts';

/** Everything a request handler may touch. */
export interface EngineContext extends ContentStores {
  region: string;
  /** Host suffixes for S3 virtual-host requests (`<bucket>.<domain>`). */
  domains: readonly string[];
  logger: Logger;
  /** The stored bucket policies, parsed. */
  policies: BucketPolicies;
  /** The SecretKey of a SecretId, or undefined. */
  lookupSecret(secretId: string): string | undefined;
}
