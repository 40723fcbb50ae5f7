/** Parses and validates a bucket policy document (S3 and COS grammars, element names in any case); MalformedPolicyError says why not. */
import { isIP } from 'node:net';
import type { ActionPattern, BucketPolicy, ConditionClause, ConditionOperator, PolicyStatement } from './bucketPolicy.ts';
import { isKnownCosAction, isKnownS3Action } from './policyActions.ts';
import { hasWildcard, wildcardMatch } from './wildcard.ts';

/** Largest policy document accepted, in bytes (S3's limit). */
export const MAX_POLICY_BYTES = 20 * 1024;

/** A policy that cannot be stored; `message` is the reason, sent as the MalformedPolicy message. */
export class MalformedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPolicyError';
  }
}

const fail = (message: string): never => {
  throw new MalformedPolicyError(message);
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object's members keyed by lowercase name; MalformedPolicy for names outside `allowed` or given twice. */
function members(value: Json, allowed: readonly string[], where: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, member] of Object.entries(value)) {
    const lower = name.toLowerCase();
    if (!allowed.includes(lower)) fail(`${where} has an unknown element '${name}'.`);
    if (out.has(lower)) fail(`${where} names '${name}' twice.`);
    out.set(lower, member);
  }
  return out;
}

/** A string or a non-empty list of strings, as a list. */
function stringList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(`${what} is empty.`);
  return list.map((item) => (typeof item === 'string' && item !== '' ? item : fail(`${what} must be a string or a list of strings.`)));
}

const PRINCIPAL_TYPES = ['aws', 'qcs'];

function principalPattern(type: string, value: string): string | 'any' {
  if (value === '*') return 'any';
  if (type === 'aws') {
    const root = /^arn:aws:iam::([^:/*]+):root$/.exec(value);
    if (root) return `user:${root[1]}/*`;
    const user = /^arn:aws:iam::([^:/*]+):user\/(.+)$/.exec(value);
    if (user) return `user:${user[1]}/${user[2]}`;
    if (/^\d+$/.test(value)) return `user:${value}/*`;
  } else {
    if (value === 'qcs::cam::anyone:anyone') return 'any';
    if (value === 'qcs::cam::anonymous:anonymous') return 'anonymous';
    const uin = /^qcs::cam::uin\/([^:/]+):uin\/(.+)$/.exec(value);
    if (uin) return `user:${uin[1]}/${uin[2]}`;
  }
  return fail(`Invalid principal in policy: '${value}'.`);
}

function parsePrincipal(value: unknown): 'any' | string[] {
  if (value === '*') return 'any';
  if (!isObject(value)) return fail('Principal must be "*" or an object such as {"AWS": [...]} or {"qcs": [...]}.');
  const patterns: string[] = [];
  for (const [type, entries] of members(value, PRINCIPAL_TYPES, 'Principal')) {
    for (const entry of stringList(entries, `Principal ${type}`)) {
      const pattern = principalPattern(type, entry);
      if (pattern === 'any') return 'any';
      patterns.push(pattern);
    }
  }
  return patterns.length > 0 ? patterns : fail('Principal names nobody.');
}

function parseAction(value: string): ActionPattern {
  if (value === '*') return { grammar: 'any', pattern: '' };
  const cos = /^(?:name\/)?cos:(.+)$/.exec(value);
  const s3 = /^s3:(.+)$/i.exec(value);
  const grammar = cos ? 'cos' : s3 ? 's3' : undefined;
  const pattern = (cos ?? s3)?.[1];
  if (!grammar || !pattern || !/^[A-Za-z*?]+$/.test(pattern)) return fail(`Policy has invalid action '${value}'.`);
  if (!hasWildcard(pattern) && !(grammar === 'cos' ? isKnownCosAction(pattern) : isKnownS3Action(pattern))) {
    return fail(`Policy has invalid action '${value}': no such ${grammar === 'cos' ? 'COS' : 'S3'} action.`);
  }
  return { grammar, pattern };
}

/** The canonical resource pattern, checked to lie in `bucket`. */
function parseResource(value: string, bucket: string): string {
  if (value === '*') return '*';
  let bucketPart: string;
  let canonical: string;
  if (value.startsWith('arn:aws:s3:::')) {
    canonical = value;
    bucketPart = value.slice('arn:aws:s3:::'.length).split('/')[0]!;
  } else {
    const qcs = /^qcs::cos:([^:]*):uid\/([^:]*):(.+)$/.exec(value);
    if (!qcs) return fail(`Policy has invalid resource '${value}': use arn:aws:s3:::BUCKET/KEY or qcs::cos:REGION:uid/APPID:BUCKET/KEY.`);
    canonical = `qcs::cos:${qcs[1] || '*'}:uid/${qcs[2] || '*'}:${qcs[3]}`;
    bucketPart = qcs[3]!.split('/')[0]!;
  }
  if (!wildcardMatch(bucketPart, bucket)) fail(`Policy has invalid resource '${value}': it is not in bucket ${bucket}.`);
  return canonical;
}

const operatorNames: Readonly<Record<string, ConditionOperator>> = {
  stringequals: 'StringEquals', string_equal: 'StringEquals',
  stringnotequals: 'StringNotEquals', string_not_equal: 'StringNotEquals',
  stringequalsignorecase: 'StringEqualsIgnoreCase', stringnotequalsignorecase: 'StringNotEqualsIgnoreCase',
  stringlike: 'StringLike', string_like: 'StringLike',
  stringnotlike: 'StringNotLike', string_not_like: 'StringNotLike',
  null: 'Null', null_equal: 'Null',
  bool: 'Bool', bool_equal: 'Bool',
  ipaddress: 'IpAddress', ip_equal: 'IpAddress',
  notipaddress: 'NotIpAddress', ip_not_equal: 'NotIpAddress',
};

function parseOperator(name: string): { operator: ConditionOperator; ifExists: boolean } {
  const lower = name.toLowerCase();
  const base = lower.endsWith('ifexists') ? lower.slice(0, -'ifexists'.length) : lower.endsWith('_if_exist') ? lower.slice(0, -'_if_exist'.length) : lower;
  const operator = operatorNames[base];
  if (!operator) return fail(`The condition operator '${name}' is not supported by the local engine (supported: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, Null, Bool, IpAddress, NotIpAddress, each also …IfExists; and their COS spellings).`);
  return { operator, ifExists: base !== lower };
}

function conditionValues(operator: ConditionOperator, key: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(`Condition ${operator} on '${key}' has no values.`);
  return list.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return fail(`Condition ${operator} on '${key}' must have string values.`);
    const text = String(item);
    if ((operator === 'Null' || operator === 'Bool') && text !== 'true' && text !== 'false') fail(`Condition ${operator} on '${key}' takes true or false.`);
    if ((operator === 'IpAddress' || operator === 'NotIpAddress') && !isCidr(text)) fail(`Condition ${operator} on '${key}' takes IP addresses or CIDR blocks.`);
    return text;
  });
}

function isCidr(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function parseConditions(value: unknown): ConditionClause[] {
  if (value === undefined) return [];
  if (!isObject(value)) return fail('Condition must be an object of operators.');
  const clauses: ConditionClause[] = [];
  for (const [name, keys] of Object.entries(value)) {
    const { operator, ifExists } = parseOperator(name);
    if (!isObject(keys)) fail(`Condition ${name} must map condition keys to values.`);
    for (const [key, values] of Object.entries(keys as Json)) {
      clauses.push({ operator, ifExists, key: key.toLowerCase(), values: conditionValues(operator, key, values) });
    }
  }
  return clauses;
}

const STATEMENT_MEMBERS = ['sid', 'effect', 'principal', 'notprincipal', 'action', 'notaction', 'resource', 'notresource', 'condition'];

function parseStatement(value: unknown, index: number, bucket: string): PolicyStatement {
  const where = `Statement ${index + 1}`;
  if (!isObject(value)) return fail(`${where} is not an object.`);
  const m = members(value, STATEMENT_MEMBERS, where);
  const sid = m.get('sid');
  if (sid !== undefined && typeof sid !== 'string') fail(`${where}: Sid must be a string.`);
  const effect = typeof m.get('effect') === 'string' ? (m.get('effect') as string).toLowerCase() : undefined;
  if (effect !== 'allow' && effect !== 'deny') fail(`${where}: Effect must be Allow or Deny.`);
  if (m.has('notprincipal')) fail(`${where}: NotPrincipal is not supported by the local engine.`);
  if (!m.has('principal')) fail(`${where} has no Principal.`);
  if (m.has('action') === m.has('notaction')) fail(`${where} needs exactly one of Action and NotAction.`);
  if (m.has('resource') === m.has('notresource')) fail(`${where} needs exactly one of Resource and NotResource.`);
  const notAction = m.has('notaction');
  const notResource = m.has('notresource');
  return {
    sid: sid as string | undefined,
    effect: effect as 'allow' | 'deny',
    principals: parsePrincipal(m.get('principal')),
    actions: stringList(m.get(notAction ? 'notaction' : 'action'), `${where} Action`).map(parseAction),
    notAction,
    resources: stringList(m.get(notResource ? 'notresource' : 'resource'), `${where} Resource`).map((resource) => parseResource(resource, bucket)),
    notResource,
    conditions: parseConditions(m.get('condition')),
  };
}

const VERSIONS = new Set(['2012-10-17', '2008-10-17', '2.0']);

/**
 * Parses a bucket policy for `bucket`. Element names are matched in any case (COS writes them in lowercase);
 * statements may be one object or a list; every resource must lie in `bucket`; actions must be known (or carry a
 * wildcard). Throws {@link MalformedPolicyError} with the reason for anything else.
 */
export function parseBucketPolicy(text: string, bucket: string): BucketPolicy {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) fail(`Policy exceeds the maximum allowed document size (${MAX_POLICY_BYTES} bytes).`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return fail(`The policy is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(document)) return fail('The policy must be a JSON object.');
  const m = members(document, ['version', 'id', 'statement'], 'The policy');
  const version = m.get('version');
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.has(version))) fail(`The policy version '${String(version)}' is not supported; use 2012-10-17 (S3) or 2.0 (COS).`);
  const statements = m.get('statement');
  if (statements === undefined) return fail('The policy has no Statement.');
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.length === 0) fail('The policy has no statements.');
  return { statements: list.map((statement, index) => parseStatement(statement, index, bucket)) };
}
