/** Shared state of a running engine that handlers use: the content stores plus region, logger and credentials. */
import type { Logger } from '../../common/logger.ts';
import type { ContentStores } from '../content/contentStores.ts';

/** Everything a request handler may touch. */
export interface EngineContext extends ContentStores {
  region: string;
  /** Host suffixes for S3 virtual-host requests (`<bucket>.<domain>`). */
  domains: readonly string[];
  logger: Logger;
  /** The SecretKey of a SecretId, or undefined. */
  lookupSecret(secretId: string): string | undefined;
}
