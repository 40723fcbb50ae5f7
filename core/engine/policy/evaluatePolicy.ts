/** Evaluates a parsed bucket policy for one request: an explicit Deny wins over any Allow; no matching statement is "none". */
import { BlockList, isIP } from 'node:net';
import type { ActionPattern, BucketPolicy, ConditionClause, PolicyDecision, PolicyRequest, PolicyStatement } from './bucketPolicy.ts';
import { wildcardMatch } from './wildcard.ts';

function principalMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  if (statement.principals === 'any') return true;
  return statement.principals.some((pattern) => request.principals.some((identity) => wildcardMatch(pattern, identity)));
}

function actionMatches(pattern: ActionPattern, action: PolicyRequest['action']): boolean {
  if (pattern.grammar === 'any') return true;
  return pattern.grammar === 'cos' ? wildcardMatch(pattern.pattern, action.cos) : wildcardMatch(pattern.pattern, action.s3, true);
}

function resourceMatches(pattern: string, resource: PolicyRequest['resource']): boolean {
  if (pattern === '*') return true;
  return wildcardMatch(pattern, pattern.startsWith('arn:') ? resource.arn : resource.qcs);
}

function inCidr(address: string, cidr: string): boolean {
  const family = isIP(address);
  const [base, bits] = cidr.split('/');
  const baseFamily = isIP(base ?? '');
  if (family === 0 || baseFamily === 0) return false;
  const list = new BlockList();
  const type = baseFamily === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(base!, type);
  else list.addSubnet(base!, Number(bits), type);
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** True when one request value satisfies one policy value under the (non-negated) operator. */
function valueMatches(operator: ConditionClause['operator'], policyValue: string, requestValue: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'Bool':
      return policyValue === requestValue;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValue.toLowerCase() === requestValue.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcardMatch(policyValue, requestValue);
    case 'IpAddress':
    case 'NotIpAddress':
      return inCidr(requestValue.replace(/^::ffff:(?=\d+\.)/, ''), policyValue);
    case 'Null':
      return false;
  }
}

const negated = new Set<ConditionClause['operator']>(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NotIpAddress']);

/**
 * One clause. Absent key: `Null` matches when it says `true`; `…IfExists` and the negated operators match (the
 * request value cannot equal a value it does not have — as AWS and MinIO evaluate `StringNotEquals`); the others
 * do not. Present key: any request value against any policy value, inverted for the negated operators.
 */
function clauseMatches(clause: ConditionClause, conditions: PolicyRequest['conditions']): boolean {
  const values = conditions.get(clause.key);
  const absent = values === undefined || values.length === 0;
  if (clause.operator === 'Null') return clause.values.includes(absent ? 'true' : 'false');
  if (absent) return clause.ifExists || negated.has(clause.operator);
  const any = values.some((value) => clause.values.some((expected) => valueMatches(clause.operator, expected, value)));
  return negated.has(clause.operator) ? !any : any;
}

/** True when the statement applies to the request: principal, action, resource and every condition clause. */
export function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  if (!principalMatches(statement, request)) return false;
  if (statement.actions.some((pattern) => actionMatches(pattern, request.action)) === statement.notAction) return false;
  if (statement.resources.some((pattern) => resourceMatches(pattern, request.resource)) === statement.notResource) return false;
  return statement.conditions.every((clause) => clauseMatches(clause, request.conditions));
}

/** Deny when any matching statement denies; else allow when any matching statement allows; else none. */
export function evaluatePolicy(policy: BucketPolicy, request: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.effect === 'deny') return { effect: 'deny', sid: statement.sid };
    allowed = true;
  }
  return allowed ? { effect: 'allow' } : { effect: 'none' };
}
