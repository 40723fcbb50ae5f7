/** The policy room on its own: parsing both grammars (MalformedPolicy reasons) and evaluation (Deny wins, principals, actions, resources, conditions). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyResource, signedPrincipals, type PolicyRequest } from '../../../core/engine/policy/bucketPolicy.ts';
import { evaluatePolicy } from '../../../core/engine/policy/evaluatePolicy.ts';
import { MalformedPolicyError, parseBucketPolicy } from '../../../core/engine/policy/parseBucketPolicy.ts';
import { policyAction, type CosActionName } from '../../../core/engine/policy/policyActions.ts';
import { wildcardMatch } from '../../../core/engine/policy/wildcard.ts';

const BUCKET = 'photos-1250000000';
const scope = { bucket: BUCKET, region: 'ap-guangzhou', account: '1250000000' };
const owner = signedPrincipals(['1250000000', 'local'], 'AKIDowner');

function request(action: CosActionName, key: string | undefined, options: { principals?: readonly string[]; conditions?: Record<string, string>; versioned?: boolean } = {}): PolicyRequest {
  return {
    principals: options.principals ?? owner,
    action: policyAction(action, options.versioned),
    resource: policyResource(scope, key),
    conditions: new Map(Object.entries(options.conditions ?? {}).map(([name, value]) => [name, [value]])),
  };
}

const decide = (policy: object, req: PolicyRequest): string => evaluatePolicy(parseBucketPolicy(JSON.stringify(policy), BUCKET), req).effect;

/** The S3 "deny unencrypted uploads" policy. */
const denyUnencryptedS3 = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyUnencrypted', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': ['AES256', 'aws:kms'] } } }],
};

describe('bucket policy: evaluation', () => {
  it('a Deny-unencrypted policy refuses writes without the header or with another value, and lets encrypted writes pass', () => {
    assert.equal(decide(denyUnencryptedS3, request('PutObject', 'a.txt')), 'deny');
    assert.equal(decide(denyUnencryptedS3, request('PutObject', 'a.txt', { conditions: { 's3:x-amz-server-side-encryption': 'AES192' } })), 'deny');
    assert.equal(decide(denyUnencryptedS3, request('PutObject', 'a.txt', { conditions: { 's3:x-amz-server-side-encryption': 'AES256' } })), 'none');
    assert.equal(decide(denyUnencryptedS3, request('InitiateMultipartUpload', 'a.txt')), 'deny', 'Initiate is s3:PutObject');
    assert.equal(decide(denyUnencryptedS3, request('GetObject', 'a.txt')), 'none', 'reads are another action');
    assert.equal(decide(denyUnencryptedS3, request('GetBucket', undefined)), 'none', 'bucket-level requests are not under bucket/*');
  });

  it('Null, Bool and IfExists follow the AWS rules for absent keys', () => {
    const nullPolicy = { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } }] };
    assert.equal(decide(nullPolicy, request('PutObject', 'k')), 'deny');
    assert.equal(decide(nullPolicy, request('PutObject', 'k', { conditions: { 's3:x-amz-server-side-encryption': 'AES256' } })), 'none');
    const http = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] };
    assert.equal(decide(http, request('GetBucket', undefined, { conditions: { 'aws:securetransport': 'false' } })), 'deny');
    assert.equal(decide(http, request('GetObject', 'k', { conditions: { 'aws:securetransport': 'true' } })), 'none');
    assert.equal(decide(http, request('GetObject', 'k')), 'none', 'Bool on an absent key does not match');
    const ifExists = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEqualsIfExists: { 's3:x-amz-acl': 'public-read' } } }] };
    assert.equal(decide(ifExists, request('GetObject', 'k', { principals: ['anonymous'] })), 'allow');
    assert.equal(decide(ifExists, request('GetObject', 'k', { principals: ['anonymous'], conditions: { 's3:x-amz-acl': 'private' } })), 'none');
  });

  it('reads the COS grammar: lowercase elements, name/cos actions, qcs principals and resources, snake_case operators', () => {
    const cos = {
      version: '2.0',
      statement: [{
        principal: { qcs: ['qcs::cam::anyone:anyone'] },
        effect: 'deny',
        action: ['name/cos:PutObject', 'name/cos:InitiateMultipartUpload', 'name/cos:PostObject'],
        resource: [`qcs::cos:ap-guangzhou:uid/1250000000:${BUCKET}/*`],
        condition: { string_not_equal: { 'cos:x-cos-server-side-encryption': 'AES256' } },
      }],
    };
    assert.equal(decide(cos, request('PutObject', 'k')), 'deny');
    assert.equal(decide(cos, request('PostObject', 'k', { conditions: { 'cos:x-cos-server-side-encryption': 'AES256' } })), 'none');
    assert.equal(decide(cos, request('UploadPart', 'k')), 'none', 'COS names Upload Part on its own');
    assert.equal(decide(cos, request('PutObject', 'k', { principals: ['anonymous'] })), 'deny');
  });

  it('matches principals: the owner by account root or user, anonymous only by * and anonymous forms', () => {
    const allowTo = (principal: unknown): object => ({ Statement: [{ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    for (const principal of [{ AWS: 'arn:aws:iam::1250000000:root' }, { AWS: '1250000000' }, { AWS: ['arn:aws:iam::local:user/AKIDowner'] }, { qcs: 'qcs::cam::uin/1250000000:uin/1250000000' }, { qcs: 'qcs::cam::uin/1250000000:uin/*' }]) {
      assert.equal(decide(allowTo(principal), request('GetObject', 'k')), 'allow', JSON.stringify(principal));
      assert.equal(decide(allowTo(principal), request('GetObject', 'k', { principals: ['anonymous'] })), 'none', JSON.stringify(principal));
    }
    assert.equal(decide(allowTo({ AWS: 'arn:aws:iam::999:root' }), request('GetObject', 'k')), 'none');
    assert.equal(decide(allowTo({ qcs: 'qcs::cam::anonymous:anonymous' }), request('GetObject', 'k', { principals: ['anonymous'] })), 'allow');
    assert.equal(decide(allowTo({ qcs: 'qcs::cam::anonymous:anonymous' }), request('GetObject', 'k')), 'none');
  });

  it('explicit Deny beats Allow; wildcards in actions and resources; NotAction and NotResource', () => {
    const mixed = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:Get*', Resource: `arn:aws:s3:::${BUCKET}/*` },
        { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/private/*` },
      ],
    };
    assert.equal(decide(mixed, request('GetObject', 'public/a')), 'allow');
    assert.equal(decide(mixed, request('GetObject', 'private/a')), 'deny');
    assert.equal(decide(mixed, request('GetObject', 'private/a', { versioned: true })), 'allow', 's3:GetObjectVersion is another action');
    const notAction = { Statement: [{ Effect: 'Deny', Principal: '*', NotAction: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }] };
    assert.equal(decide(notAction, request('GetObject', 'a')), 'none');
    assert.equal(decide(notAction, request('HeadBucket', undefined)), 'none');
    assert.equal(decide(notAction, request('DeleteObject', 'a')), 'deny');
    const notResource = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', NotResource: `arn:aws:s3:::${BUCKET}/uploads/*` }] };
    assert.equal(decide(notResource, request('PutObject', 'uploads/a')), 'none');
    assert.equal(decide(notResource, request('PutObject', 'elsewhere/a')), 'deny');
    const like = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotLike: { 's3:x-amz-server-side-encryption': 'AES*' } } }] };
    assert.equal(decide(like, request('PutObject', 'a', { conditions: { 's3:x-amz-server-side-encryption': 'AES256' } })), 'none');
    assert.equal(decide(like, request('PutObject', 'a', { conditions: { 's3:x-amz-server-side-encryption': 'aws:kms' } })), 'deny');
    const ip = { Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1'] } } }] };
    assert.equal(decide(ip, request('GetObject', 'a', { conditions: { 'aws:sourceip': '127.0.0.1' } })), 'none');
    assert.equal(decide(ip, request('GetObject', 'a', { conditions: { 'aws:sourceip': '::ffff:127.0.0.1' } })), 'none');
    assert.equal(decide(ip, request('GetObject', 'a', { conditions: { 'aws:sourceip': '10.1.2.3' } })), 'deny');
  });

  it('wildcards: * spans any run (including /), ? exactly one character', () => {
    assert.equal(wildcardMatch('a*c', 'abbbc'), true);
    assert.equal(wildcardMatch('a*', 'a/b/c'), true);
    assert.equal(wildcardMatch('a?c', 'abc'), true);
    assert.equal(wildcardMatch('a?c', 'ac'), false);
    assert.equal(wildcardMatch('*x*y*', 'aaxbbyy'), true);
    assert.equal(wildcardMatch('s3:get*', 's3:GetObject', true), true);
  });
});

describe('bucket policy: MalformedPolicy', () => {
  const bad = (document: unknown, reason: RegExp): void => {
    assert.throws(() => parseBucketPolicy(typeof document === 'string' ? document : JSON.stringify(document), BUCKET), (error: Error) => error instanceof MalformedPolicyError && reason.test(error.message), `expected ${reason}`);
  };
  const statement = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` };

  it('names the reason', () => {
    bad('{not json', /not valid JSON/);
    bad([], /JSON object/);
    bad({ Version: '2012-10-17' }, /no Statement/);
    bad({ Statement: [] }, /no statements/);
    bad({ Statement: [statement], Extra: 1 }, /unknown element 'Extra'/);
    bad({ Version: '2099-01-01', Statement: [statement] }, /version/);
    bad({ Statement: [{ ...statement, Effect: 'Maybe' }] }, /Effect must be Allow or Deny/);
    bad({ Statement: [{ ...statement, Action: 's3:PutObjct' }] }, /invalid action 's3:PutObjct'/);
    bad({ Statement: [{ ...statement, Action: 'ec2:RunInstances' }] }, /invalid action/);
    bad({ Statement: [{ ...statement, Action: [] }] }, /empty/);
    bad({ Statement: [{ ...statement, Resource: 'arn:aws:s3:::other-bucket/*' }] }, /not in bucket/);
    bad({ Statement: [{ ...statement, Resource: 'bucket/*' }] }, /invalid resource/);
    bad({ Statement: [{ ...statement, Principal: { Service: 'x' } }] }, /unknown element 'Service'/);
    bad({ Statement: [{ ...statement, Principal: { AWS: 'someone' } }] }, /Invalid principal/);
    bad({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }, /no Principal/);
    bad({ Statement: [{ ...statement, NotPrincipal: '*' }] }, /NotPrincipal is not supported/);
    bad({ Statement: [{ ...statement, NotAction: 's3:PutObject' }] }, /exactly one of Action and NotAction/);
    bad({ Statement: [{ ...statement, Condition: { NumericLessThan: { 's3:max-keys': '10' } } }] }, /NumericLessThan' is not supported/);
    bad({ Statement: [{ ...statement, Condition: { Bool: { 'aws:SecureTransport': 'maybe' } } }] }, /true or false/);
    bad({ Statement: [{ ...statement, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/99' } } }] }, /CIDR/);
    bad(JSON.stringify({ Statement: [{ ...statement, Sid: 'x'.repeat(21 * 1024) }] }), /maximum allowed document size/);
  });

  it('accepts resources by wildcard bucket, the bucket itself, a single statement object and lowercase effects', () => {
    const policy = parseBucketPolicy(JSON.stringify({ Statement: { ...statement, Effect: 'allow', Resource: ['arn:aws:s3:::photos-*/*', `arn:aws:s3:::${BUCKET}`, '*'] } }), BUCKET);
    assert.equal(policy.statements.length, 1);
    assert.deepEqual(policy.statements[0]!.resources, ['arn:aws:s3:::photos-*/*', `arn:aws:s3:::${BUCKET}`, '*']);
  });
});
