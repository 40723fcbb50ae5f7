/** The parsed bucket policy model shared by the parser and the evaluator (COS and S3 grammars map onto it). */

/** A condition operator, after COS (`string_not_equal`) and S3 (`StringNotEquals`) spellings were unified. */
export type ConditionOperator =
  | 'StringEquals' | 'StringNotEquals' | 'StringEqualsIgnoreCase' | 'StringNotEqualsIgnoreCase'
  | 'StringLike' | 'StringNotLike' | 'Null' | 'Bool' | 'IpAddress' | 'NotIpAddress';

/** One operator applied to one condition key: any of `values` may match (OR); clauses of a statement all must (AND). */
export interface ConditionClause {
  operator: ConditionOperator;
  /** `…IfExists` / `…_if_exist`: true when the key is absent from the request. */
  ifExists: boolean;
  /** Condition key, lowercase (`s3:x-amz-server-side-encryption`, `cos:x-cos-server-side-encryption`, `aws:securetransport`). */
  key: string;
  /** Policy values as strings (`true`/`false` for Null and Bool). */
  values: string[];
}

/** An action pattern: `*`, a COS action (`name/cos:Put*`, case-sensitive) or an S3 action (`s3:Put*`, case-insensitive). */
export interface ActionPattern {
  grammar: 'any' | 'cos' | 's3';
  /** The name part with its wildcards (empty for `any`). */
  pattern: string;
}

/** One statement. Principal, action and resource patterns are in the canonical forms of {@link PolicyRequest}. */
export interface PolicyStatement {
  sid: string | undefined;
  effect: 'allow' | 'deny';
  /** Identity patterns (`user:<account>/<user>`, `anonymous`), or `any` for `*` / `qcs::cam::anyone:anyone`. */
  principals: 'any' | string[];
  actions: ActionPattern[];
  /** True for `NotAction`: the statement applies to every action the patterns do not match. */
  notAction: boolean;
  /** Resource patterns: `*`, `arn:aws:s3:::…` or `qcs::cos:<region>:uid/<appid>:…`. */
  resources: string[];
  /** True for `NotResource`. */
  notResource: boolean;
  conditions: ConditionClause[];
}

/** A parsed bucket policy; the stored text stays the verbatim document the client sent. */
export interface BucketPolicy {
  statements: PolicyStatement[];
}

/** The facts of one request that a policy decides on; built at the engine's edge. */
export interface PolicyRequest {
  /** Who asks: `user:<account>/<user>` identities of a signed request, or `['anonymous']`. */
  principals: readonly string[];
  action: { cos: string; s3: string };
  /** The resource in both grammars: `arn:aws:s3:::<bucket>[/<key>]` and `qcs::cos:<region>:uid/<appid>:<bucket>/[<key>]`. */
  resource: { arn: string; qcs: string };
  /** Condition values by lowercase key; a key that does not apply to the request is absent. */
  conditions: ReadonlyMap<string, readonly string[]>;
}

/** The outcome of a policy for one request: an explicit deny (with the statement's Sid), an allow, or no statement applies. */
export type PolicyDecision = { effect: 'deny'; sid: string | undefined } | { effect: 'allow' } | { effect: 'none' };

/** The identities of a signed request: the root user of each account and the key pair's own user (its SecretId). */
export function signedPrincipals(accounts: readonly string[], secretId: string): string[] {
  return accounts.flatMap((account) => [`user:${account}/${account}`, `user:${account}/${secretId}`]);
}

/** The resource names of a bucket (`key` undefined) or object, in both grammars. */
export function policyResource(scope: { bucket: string; region: string; account: string }, key: string | undefined): PolicyRequest['resource'] {
  const qcsBucket = `qcs::cos:${scope.region}:uid/${scope.account}:${scope.bucket}/`;
  return key === undefined
    ? { arn: `arn:aws:s3:::${scope.bucket}`, qcs: qcsBucket }
    : { arn: `arn:aws:s3:::${scope.bucket}/${key}`, qcs: qcsBucket + key };
}
