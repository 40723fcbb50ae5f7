/** The stored bucket policies as the request path needs them: read per request from the index, parsed once per text. */
import type { BucketPolicy } from '../policy/bucketPolicy.ts';
import { MalformedPolicyError, parseBucketPolicy } from '../policy/parseBucketPolicy.ts';
import type { EngineIndex } from '../storage/engineIndex.ts';

/** A stored policy that no longer parses (a stricter engine version): requests fail closed until it is replaced. */
export interface UnreadablePolicy {
  unreadable: string;
}

/** Parsed policies keyed by bucket, re-parsed only when the stored text changes. */
export class BucketPolicies {
  readonly #index: EngineIndex;
  readonly #parsed = new Map<string, { text: string; policy: BucketPolicy | UnreadablePolicy }>();

  constructor(index: EngineIndex) {
    this.#index = index;
  }

  /** The bucket's policy, undefined when it has none, or {@link UnreadablePolicy} when the stored text does not parse. */
  get(bucket: string): BucketPolicy | UnreadablePolicy | undefined {
    const text = this.#index.getBucketPolicy(bucket);
    if (text === undefined) {
      this.#parsed.delete(bucket);
      return undefined;
    }
    const cached = this.#parsed.get(bucket);
    if (cached?.text === text) return cached.policy;
    let policy: BucketPolicy | UnreadablePolicy;
    try {
      policy = parseBucketPolicy(text, bucket);
    } catch (error) {
      if (!(error instanceof MalformedPolicyError)) throw error;
      policy = { unreadable: error.message };
    }
    this.#parsed.set(bucket, { text, policy });
    return policy;
  }
}
