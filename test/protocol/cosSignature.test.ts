/** COS q-sign tests: the vectors V0–V5 of cos-api.md §1.5, plus verification round trips and failures. */
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosAuthorizationFromQuery, cosSignKey, parseCosAuthorization, presignCos, signCos, signPostPolicy, verifyCos, verifyPostPolicy, type CosSignInput } from '../../core/protocol/cosSignature.ts';
import { parseQuery, type SignableRequest } from '../../core/protocol/signableRequest.ts';
import { cosUrlEncode, encodeKeyPath } from '../../core/protocol/cosUrlEncode.ts';
import { parseCosTimeWindow } from '../../core/protocol/cosTimeWindow.ts';

const signatureOf = (authorization: string): string => /q-signature=([0-9a-f]+)/.exec(authorization)![1]!;
const fieldOf = (authorization: string, name: string): string => new RegExp(`${name}=([^&]*)`).exec(authorization)![1]!;

describe('cosUrlEncode', () => {
  it('escapes everything but unreserved characters, uppercase hex', () => {
    assert.equal(cosUrlEncode("a b/c=d!'()*~-_."), "a%20b%2Fc%3Dd%21%27%28%29%2A~-_.");
    assert.equal(cosUrlEncode('测'), '%E6%B5%8B');
    assert.equal(encodeKeyPath('dir/测试 file(1).txt'), 'dir/%E6%B5%8B%E8%AF%95%20file%281%29.txt');
  });
});

describe('COS signing vectors (cos-api.md §1.5)', () => {
  it('V0: the official PUT and GET examples', () => {
    const put: CosSignInput = {
      method: 'PUT',
      pathname: '/exampleobject(腾讯云)',
      query: [],
      headers: {
        Date: 'Thu, 16 May 2019 06:45:51 GMT',
        Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
        'Content-Type': 'text/plain',
        'Content-Length': '13',
        'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
        'x-cos-acl': 'private',
        'x-cos-grant-read': 'uin="100000000011"',
      },
    };
    const credentials = { secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz' };
    assert.equal(cosSignKey(credentials.secretKey, '1557989151;1557996351'), 'eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f');
    const putAuthorization = signCos(put, credentials, {
      startSeconds: 1557989151,
      expiresSeconds: 7200,
      headerNames: ['content-length', 'content-md5', 'content-type', 'date', 'host', 'x-cos-acl', 'x-cos-grant-read'],
    });
    assert.equal(signatureOf(putAuthorization), '3b8851a11a569213c17ba8fa7dcf2abec6935172');

    const get: CosSignInput = {
      method: 'GET',
      pathname: '/exampleobject(腾讯云)',
      query: [['response-content-type', 'application/octet-stream'], ['response-cache-control', 'max-age=600']],
      headers: { Date: 'Thu, 16 May 2019 06:55:53 GMT', Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com' },
    };
    assert.equal(cosSignKey(credentials.secretKey, '1557989753;1557996953'), '937914bf490e9e8c189836aad2052e4feeb35eaf');
    const getAuthorization = signCos(get, credentials, { startSeconds: 1557989753, expiresSeconds: 7200, headerNames: ['date', 'host'] });
    assert.equal(signatureOf(getAuthorization), '01681b8c9d798a678e43b685a9f1bba0f6c0e012');
    assert.equal(fieldOf(getAuthorization, 'q-url-param-list'), 'response-cache-control;response-content-type');
  });

  it('V1: the full vector computed with the SDK', () => {
    const authorization = signCos(
      {
        method: 'PUT',
        pathname: '/dir/测试 file(1).txt',
        query: [['partNumber', '1'], ['uploadId', 'abc123']],
        headers: {
          Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com',
          'Content-Length': '13',
          'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
          'Content-Type': 'text/plain',
          'x-cos-server-side-encryption': 'AES256',
          'x-cos-meta-Author': 'Ada Lovelace',
          'User-Agent': 'not-signed/1.0',
        },
      },
      { secretId: 'AKIDEXAMPLE0000000000000000000000000', secretKey: 'SECRETKEYEXAMPLE00000000000000000' },
      { startSeconds: 1700000000, expiresSeconds: 3600 },
    );
    assert.equal(
      authorization,
      'q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE0000000000000000000000000&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=content-length;content-md5;content-type;host;x-cos-meta-author;x-cos-server-side-encryption&q-url-param-list=partnumber;uploadid&q-signature=92d2fece11810cc1127a8e66a031972cc7f551aa',
    );
  });

  const short = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETEXAMPLE' };
  const host = 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com';
  const shortOptions = { startSeconds: 1700000000, expiresSeconds: 900 };
  it('V2: GET object', () => {
    const authorization = signCos({ method: 'GET', pathname: '/exampleobject', query: [], headers: { Host: host } }, short, shortOptions);
    assert.equal(fieldOf(authorization, 'q-header-list'), 'host');
    assert.equal(fieldOf(authorization, 'q-url-param-list'), '');
    assert.equal(signatureOf(authorization), '185db892e502d84ccc3f87153c873e599da1aeec');
  });
  it('V3: list with an empty prefix and a delimiter', () => {
    const authorization = signCos({ method: 'GET', pathname: '/', query: parseQuery('prefix=&max-keys=100&delimiter=%2F'), headers: { Host: host } }, short, shortOptions);
    assert.equal(fieldOf(authorization, 'q-url-param-list'), 'delimiter;max-keys;prefix');
    assert.equal(signatureOf(authorization), '37a5c3b80d9c70542d4e6c61eca76af47914424c');
  });
  it('V4: initiate multipart with SSE', () => {
    const authorization = signCos(
      { method: 'POST', pathname: '/big.bin', query: parseQuery('uploads'), headers: { Host: host, 'Content-Length': '0', 'x-cos-server-side-encryption': 'AES256' } },
      short,
      shortOptions,
    );
    assert.equal(fieldOf(authorization, 'q-header-list'), 'content-length;host;x-cos-server-side-encryption');
    assert.equal(signatureOf(authorization), 'e737d0ebcb603baef0c090a0d1204738bb54f2da');
  });
  it('V6: a sign time inside a longer key time (SignKey from q-key-time, StringToSign over q-sign-time; computed with Python hmac)', () => {
    const authorization = signCos({ method: 'GET', pathname: '/exampleobject', query: [], headers: { Host: host } }, short, { ...shortOptions, keyTime: '1699999000;1700003600' });
    assert.equal(fieldOf(authorization, 'q-sign-time'), '1700000000;1700000900');
    assert.equal(fieldOf(authorization, 'q-key-time'), '1699999000;1700003600');
    assert.equal(cosSignKey(short.secretKey, '1699999000;1700003600'), '8d03f72f7b282567a47c2d75407898383ab62c01');
    // Signing the key time instead of the sign time would give 0968d5667f1aee7c9327160aaf318128a8139e05.
    assert.equal(signatureOf(authorization), '161669644f6284ac6604ef6844f7db0936c31818');
  });
  it('V5: POST Object policy signature', () => {
    const signKey = cosSignKey('BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz', '1567150692;1567157892');
    assert.equal(signKey, '39acc8c9f34ba5b19bce4e965b370cd3f62d2fba');
    // The policy's SHA-1 is the StringToSign; the final HMAC uses the SignKey's hex text as key.
    assert.equal(createHmac('sha1', signKey).update('d5d903b8360468bc81c1311f134989bc8c8b5b89').digest('hex'), '7758dc9a832e9d301dca704cacbf9d9f8172fdef');
    const policy = JSON.stringify({ expiration: '2030-01-01T00:00:00.000Z', conditions: [{ bucket: 'b-1250000000' }] });
    const signature = signPostPolicy(policy, 'secret', '1;2');
    assert.ok(verifyPostPolicy(policy, 'secret', '1;2', signature));
    assert.ok(!verifyPostPolicy(policy + ' ', 'secret', '1;2', signature));
  });
});

describe('verifyCos', () => {
  const credentials = { secretId: 'AKIDTEST', secretKey: 'top-secret' };
  const lookup = (id: string): string | undefined => (id === credentials.secretId ? credentials.secretKey : undefined);
  const key = 'dir/测试 file(1)+x.txt';
  const wireRequest = (authorization: string, overrides: Partial<SignableRequest> = {}): SignableRequest => ({
    method: 'PUT',
    path: '/' + encodeKeyPath(key),
    query: [['partNumber', '2'], ['uploadId', 'u 1']],
    headers: { host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'content-length': '5', 'x-cos-meta-a': 'B c', authorization },
    ...overrides,
  });
  const sign = (start = 1_700_000_000): string =>
    signCos(
      {
        method: 'PUT',
        pathname: '/' + key,
        query: [['partNumber', '2'], ['uploadId', 'u 1']],
        headers: { Host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'Content-Length': '5', 'x-cos-meta-a': 'B c', 'cache-control': '' },
      },
      credentials,
      { startSeconds: start },
    );

  it('accepts what signCos produced, from the header and from a presigned query', () => {
    const authorization = sign();
    const parsed = parseCosAuthorization(authorization)!;
    assert.deepEqual(verifyCos(wireRequest(authorization), parsed, lookup, { nowSeconds: 1_700_000_100 }), { ok: true, secretId: 'AKIDTEST' });
    const presigned = presignCos(
      { method: 'GET', pathname: '/' + key, query: [], headers: { Host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com' } },
      credentials,
      { startSeconds: 1_700_000_000, expiresSeconds: 60 },
    );
    const query = parseQuery(presigned);
    const request: SignableRequest = { method: 'GET', path: '/' + encodeKeyPath(key), query, headers: { host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com' } };
    assert.equal(verifyCos(request, cosAuthorizationFromQuery(query)!, lookup, { nowSeconds: 1_700_000_030, fromQuery: true }).ok, true);
    const expired = verifyCos(request, cosAuthorizationFromQuery(query)!, lookup, { nowSeconds: 1_700_000_061, fromQuery: true });
    assert.deepEqual(expired, { ok: false, code: 'AccessDenied', message: 'Request has expired' });
  });

  it('rejects tampering, unknown keys and skew with the right codes', () => {
    const authorization = sign();
    const parsed = parseCosAuthorization(authorization)!;
    const now = { nowSeconds: 1_700_000_100 };
    const code = (request: SignableRequest, options = now): string | undefined => {
      const result = verifyCos(request, parsed, lookup, options);
      return result.ok ? undefined : result.code;
    };
    assert.equal(code(wireRequest(authorization, { method: 'POST' })), 'SignatureDoesNotMatch');
    assert.equal(code(wireRequest(authorization, { path: '/dir/other.txt' })), 'SignatureDoesNotMatch');
    assert.equal(code(wireRequest(authorization, { query: [['partNumber', '3'], ['uploadId', 'u 1']] })), 'SignatureDoesNotMatch');
    assert.equal(code(wireRequest(authorization, { headers: { host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'content-length': '6', 'x-cos-meta-a': 'B c' } })), 'SignatureDoesNotMatch');
    assert.equal(verifyCos(wireRequest(authorization), { ...parsed, secretId: 'AKIDOTHER' }, lookup, now).ok, false);
    assert.equal((verifyCos(wireRequest(authorization), { ...parsed, secretId: 'AKIDOTHER' }, lookup, now) as { code: string }).code, 'InvalidAccessKeyId');
    assert.equal(code(wireRequest(authorization), { nowSeconds: 1_700_000_000 - 901 }), 'RequestTimeTooSkewed');
    assert.equal(code(wireRequest(authorization), { nowSeconds: 1_700_000_000 + 901 }), 'AccessDenied');
    assert.equal(verifyCos(wireRequest(authorization), parsed, () => 'wrong-secret', now).ok, false);
  });

  it('every time field is covered: edited, expired, future, inverted or malformed windows are refused with the right code', () => {
    const keyTime = '1699999000;1700007200';
    const authorization = signCos(
      { method: 'PUT', pathname: '/' + key, query: [['partNumber', '2'], ['uploadId', 'u 1']], headers: { Host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'Content-Length': '5', 'x-cos-meta-a': 'B c' } },
      credentials,
      { startSeconds: 1_700_000_000, expiresSeconds: 900, keyTime },
    );
    const parsed = parseCosAuthorization(authorization)!;
    const outcome = (fields: Partial<typeof parsed>, nowSeconds = 1_700_000_100, fromQuery = false): string => {
      const result = verifyCos(wireRequest(authorization), { ...parsed, ...fields }, lookup, { nowSeconds, fromQuery });
      return result.ok ? 'ok' : `${result.code}: ${result.message}`;
    };
    assert.equal(outcome({}), 'ok');
    const table: [string, Partial<typeof parsed>, number, string][] = [
      ['sign time widened inside the key time', { signTime: '1700000000;1700007000' }, 1_700_000_100, 'SignatureDoesNotMatch'],
      ['sign time moved inside the key time', { signTime: '1699999500;1700000400' }, 1_700_000_100, 'SignatureDoesNotMatch'],
      ['key time edited (still containing the sign time)', { keyTime: '1699999000;1700009000' }, 1_700_000_100, 'SignatureDoesNotMatch'],
      ['sign time past the key time', { signTime: '1700000000;1700009000' }, 1_700_000_100, 'AccessDenied: q-sign-time must lie within q-key-time.'],
      ['sign time before the key time', { signTime: '1699998000;1700000900' }, 1_700_000_100, 'AccessDenied: q-sign-time must lie within q-key-time.'],
      ['sign time expired, key time alive', {}, 1_700_000_901, 'AccessDenied: Request has expired'],
      ['expired key time, sign time rewritten to now (the issue 15 attack)', { keyTime: '1600000000;1600000900', signTime: '1700000000;1700000900' }, 1_700_000_100, 'AccessDenied: Request has expired'],
      ['inverted sign time', { signTime: '1700000900;1700000000' }, 1_700_000_100, 'AccessDenied: q-sign-time is malformed; expected start;end in Unix seconds.'],
      ['malformed key time', { keyTime: '1699999000;1.7e9' }, 1_700_000_100, 'AccessDenied: q-key-time is malformed; expected start;end in Unix seconds.'],
      ['sign time with a third field', { signTime: '1700000000;1700000900;5' }, 1_700_000_100, 'AccessDenied: q-sign-time is malformed; expected start;end in Unix seconds.'],
    ];
    for (const [name, fields, now, expected] of table) assert.equal(outcome(fields, now).startsWith(expected), true, `${name}: ${outcome(fields, now)}`);
    assert.equal(outcome({}, 1_699_999_000 - 901), 'RequestTimeTooSkewed: The difference between the request time and the server time is too large.');
    assert.equal(outcome({}, 1_699_999_000 - 901, true), 'AccessDenied: Request is not valid yet');
    assert.equal(outcome({}, 1_700_000_000 - 899), 'ok', 'a client clock up to 15 minutes ahead is accepted');
  });

  it('parseCosTimeWindow takes exactly two decimal integers, start <= end', () => {
    assert.deepEqual(parseCosTimeWindow('1;2'), { start: 1, end: 2 });
    assert.deepEqual(parseCosTimeWindow('5;5'), { start: 5, end: 5 });
    for (const text of ['', '1', '2;1', '1;2;3', ' 1;2', '1;2 ', '-1;2', '1e3;2e3', '0x10;0x20', '1.5;2']) assert.equal(parseCosTimeWindow(text), undefined, text);
  });

  it('verifies path-style requests over the path without the bucket segment', () => {
    const authorization = sign();
    const request = wireRequest(authorization, { path: '/b-1250000000/' + encodeKeyPath(key) });
    const parsed = parseCosAuthorization(authorization)!;
    assert.equal(verifyCos(request, parsed, lookup, { nowSeconds: 1_700_000_100 }).ok, false);
    assert.equal(verifyCos(request, parsed, lookup, { nowSeconds: 1_700_000_100, pathname: '/' + key }).ok, true);
  });
});
