/** SigV4: AWS's published vectors, sign→verify round trips, S3 failure codes and the aws-chunked decoder. */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { hasCode } from '../../core/common/errors.ts';
import {
  awsChunkSignature, canonicalRequest, canonicalUri, createAwsChunkedDecoder, credentialScope, deriveSigningKey, parseV4Authorization, parseV4Presigned,
  presignV4, sha256Hex, signatureHex, signV4, stringToSign, verifyV4, type AwsChunkedDecoderOptions, type SignableRequest, type V4VerifyResult,
} from '../../core/protocol/sigv4.ts';
import { parseQuery } from '../../core/protocol/signableRequest.ts';

const suiteCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const suiteDate = new Date('2015-08-30T12:36:00Z');
const s3Credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const s3Date = new Date('2013-05-24T00:00:00Z');
const s3Host = 'examplebucket.s3.amazonaws.com';
const lookup = (id: string): string | undefined => (id === s3Credentials.accessKeyId ? s3Credentials.secretAccessKey : undefined);
const signatureOf = (authorization: string): string => authorization.slice(authorization.lastIndexOf('=') + 1);
const token = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

function failure(result: V4VerifyResult): string {
  return result.ok ? 'ok' : `${result.code}: ${result.message}`;
}

describe('AWS SigV4 test suite (region us-east-1, service "service")', () => {
  const unreserved = '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const cases: { name: string; method?: string; path?: string; query?: [string, string][]; headers?: Record<string, string | string[]>; body?: string; token?: boolean; signature: string }[] = [
    { name: 'get-vanilla', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'get-vanilla-empty-query-key', query: [['Param1', 'value1']], signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb' },
    { name: 'get-vanilla-query-order-key-case', query: [['Param2', 'value2'], ['Param1', 'value1']], signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    { name: 'get-vanilla-query-unreserved', query: [[unreserved, unreserved]], signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197' },
    { name: 'get-vanilla-utf8-query', query: [['\u1234', 'bar']], signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
    { name: 'get-unreserved', path: `/${unreserved}`, signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
    { name: 'get-utf8', path: '/%E1%88%B4', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
    { name: 'get-header-key-duplicate', headers: { 'my-header1': ['value2', 'value2', 'value1'] }, signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea' },
    { name: 'get-header-value-order', headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] }, signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01' },
    { name: 'get-header-value-trim', headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' }, signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736' },
    { name: 'post-vanilla', method: 'POST', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
    { name: 'post-vanilla-query', method: 'POST', query: [['Param1', 'value1']], signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
    { name: 'post-header-key-sort', method: 'POST', headers: { 'my-header1': 'value1' }, signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
    { name: 'post-header-value-case', method: 'POST', headers: { 'my-header1': 'VALUE1' }, signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
    { name: 'post-sts-header-before', method: 'POST', token: true, signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead' },
    { name: 'post-x-www-form-urlencoded', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1', signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a' },
    { name: 'post-x-www-form-urlencoded-parameters', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' }, body: 'Param1=value1', signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe' },
  ];
  for (const vector of cases) {
    it(vector.name, () => {
      const request: SignableRequest = { method: vector.method ?? 'GET', path: vector.path ?? '/', query: vector.query ?? [], headers: { host: 'example.amazonaws.com', ...vector.headers } };
      const credentials = vector.token ? { ...suiteCredentials, sessionToken: token } : suiteCredentials;
      const added = signV4(request, credentials, { region: 'us-east-1', service: 'service', date: suiteDate, payloadHash: sha256Hex(vector.body ?? '') });
      assert.equal(signatureOf(added.authorization), vector.signature);
      assert.equal(added['x-amz-date'], '20150830T123600Z');
      assert.equal(added['x-amz-content-sha256'], undefined, 'only s3 adds x-amz-content-sha256');
    });
  }

  it('derives the documented signing key (20120215/us-east-1/iam)', () => {
    assert.equal(deriveSigningKey(suiteCredentials.secretAccessKey, '20120215', 'us-east-1', 'iam').toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });
});

describe('S3 documentation examples (examplebucket, 20130524, us-east-1)', () => {
  const options = { region: 'us-east-1', date: s3Date };
  const examples: { name: string; request: SignableRequest; payloadHash: string; signedHeaders: string; signature: string }[] = [
    {
      name: 'GET Object with Range', request: { method: 'GET', path: '/test.txt', query: [], headers: { host: s3Host, range: 'bytes=0-9' } },
      payloadHash: sha256Hex(''), signedHeaders: 'host;range;x-amz-content-sha256;x-amz-date', signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
    {
      name: 'PUT Object', request: { method: 'PUT', path: '/test%24file.text', query: [], headers: { host: s3Host, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' } },
      payloadHash: sha256Hex('Welcome to Amazon S3.'), signedHeaders: 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    },
    {
      name: 'GET Bucket lifecycle', request: { method: 'GET', path: '/', query: [['lifecycle', '']], headers: { host: s3Host } },
      payloadHash: sha256Hex(''), signedHeaders: 'host;x-amz-content-sha256;x-amz-date', signature: 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    },
    {
      name: 'GET Bucket (list objects) max-keys=2&prefix=J', request: { method: 'GET', path: '/', query: [['max-keys', '2'], ['prefix', 'J']], headers: { host: s3Host } },
      payloadHash: sha256Hex(''), signedHeaders: 'host;x-amz-content-sha256;x-amz-date', signature: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    },
  ];
  for (const example of examples) {
    it(`${example.name}: signs and verifies the published Authorization`, () => {
      const added = signV4(example.request, s3Credentials, { ...options, payloadHash: example.payloadHash });
      const expected = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=${example.signedHeaders}, Signature=${example.signature}`;
      assert.equal(added.authorization, expected);
      const received = { ...example.request, headers: { ...example.request.headers, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': example.payloadHash, authorization: expected } };
      const result = verifyV4(received, lookup, { now: new Date('2013-05-24T00:05:00Z'), region: 'us-east-1', service: 's3' });
      assert.deepEqual(result, { ok: true, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', payloadHash: example.payloadHash, presigned: false });
    });
  }

  it('presigned GET test.txt (X-Amz-Expires=86400): signs and verifies', () => {
    const request: SignableRequest = { method: 'GET', path: '/test.txt', query: [], headers: { host: s3Host } };
    const pairs = presignV4(request, s3Credentials, { ...options, expiresSeconds: 86400 });
    assert.deepEqual(pairs, [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request'], ['X-Amz-Date', '20130524T000000Z'],
      ['X-Amz-Expires', '86400'], ['X-Amz-SignedHeaders', 'host'], ['X-Amz-Signature', 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'],
    ]);
    const result = verifyV4({ ...request, query: pairs }, lookup, { now: new Date('2013-05-24T12:00:00Z') });
    assert.deepEqual(result, { ok: true, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', payloadHash: 'UNSIGNED-PAYLOAD', presigned: true });
  });
});

/** Builds a signed aws-chunked body from data chunks (a final empty chunk is appended). */
function encodeChunked(chunks: Buffer[], context: Omit<AwsChunkedDecoderOptions, 'decodedContentLength'>): Buffer {
  let previousSignature = context.seedSignature;
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const signature = awsChunkSignature({ signingKey: context.signingKey, scope: context.scope, date: context.date, previousSignature, data });
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${signature}\r\n`), data, Buffer.from('\r\n'));
    previousSignature = signature;
  }
  return Buffer.concat(parts);
}

/** Feeds `body` to a decoder in `pieceSize`-byte writes and collects the output. */
async function decode(body: Buffer, options: AwsChunkedDecoderOptions, pieceSize = body.length): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += pieceSize) pieces.push(body.subarray(offset, offset + pieceSize));
  return buffer(Readable.from(pieces).pipe(createAwsChunkedDecoder(options)));
}

describe('aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  const headers = {
    host: 's3.amazonaws.com', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'content-encoding': 'aws-chunked', 'content-length': '66824', 'x-amz-decoded-content-length': '66560',
  };
  const request: SignableRequest = { method: 'PUT', path: '/examplebucket/chunkObject.txt', query: [], headers };
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const published = ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'];
  const data = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')];
  const context = { seedSignature: seed, signingKey: deriveSigningKey(s3Credentials.secretAccessKey, '20130524', 'us-east-1', 's3'), scope: credentialScope('20130524', 'us-east-1', 's3'), date: '20130524T000000Z' };

  it('reproduces the published seed and chunk signatures', () => {
    const added = signV4(request, s3Credentials, { region: 'us-east-1', date: s3Date, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    assert.equal(signatureOf(added.authorization), seed);
    assert.match(added.authorization, /SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,/);
    let previousSignature = seed;
    [...data, Buffer.alloc(0)].forEach((chunk, index) => {
      previousSignature = awsChunkSignature({ ...context, date: s3Date, previousSignature, data: chunk });
      assert.equal(previousSignature, published[index]);
    });
    assert.equal(encodeChunked(data, context).length, 66824, 'matches the published Content-Length');
  });

  it('verifies the header and decodes the published body, across any write boundaries', async () => {
    const authorization = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=${seed}`;
    const received = { ...request, headers: { ...headers, 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', authorization } };
    const result = verifyV4(received, lookup, { now: s3Date });
    assert.ok(result.ok && result.chunked, failure(result));
    assert.equal(result.payloadHash, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    assert.equal(result.chunked.decodedContentLength, 66560);
    const body = encodeChunked(data, context);
    assert.ok(published.every((signature) => body.includes(signature)), 'the encoder emits the published chunk signatures');
    for (const pieceSize of [body.length, 4096, 83, 1]) {
      assert.deepEqual(await decode(body, result.chunked, pieceSize), Buffer.alloc(66560, 'a'), `piece size ${pieceSize}`);
    }
  });

  it('rejects a tampered chunk, a wrong chunk signature, a truncated body and a wrong decoded length', async () => {
    const body = encodeChunked(data, context);
    const tampered = Buffer.from(body);
    tampered[body.indexOf('\r\n') + 2 + 100] = 'b'.charCodeAt(0);
    await assert.rejects(decode(tampered, context), (error) => hasCode(error, 'SignatureDoesNotMatch'));
    const badSignature = Buffer.from(body.toString('latin1').replace(published[1]!, published[0]!), 'latin1');
    await assert.rejects(decode(badSignature, context), (error) => hasCode(error, 'SignatureDoesNotMatch'));
    await assert.rejects(decode(body, { ...context, seedSignature: published[2]! }), (error) => hasCode(error, 'SignatureDoesNotMatch'));
    await assert.rejects(decode(body.subarray(0, body.length - 90), context), (error) => hasCode(error, 'IncompleteBody'));
    await assert.rejects(decode(body, { ...context, decodedContentLength: 66561 }), (error) => hasCode(error, 'IncompleteBody'));
    await assert.rejects(decode(Buffer.from('zz;chunk-signature=00\r\n'), context), (error) => hasCode(error, 'InvalidRequest'));
    await assert.rejects(decode(body, { ...context, maxChunkBytes: 1000 }), (error) => hasCode(error, 'InvalidRequest'));
  });

  it('emits nothing of a chunk whose signature fails', async () => {
    const body = encodeChunked([Buffer.from('good data'), Buffer.from('evil data')], context);
    const tampered = Buffer.from(body.toString('latin1').replace('evil', 'EVIL'), 'latin1');
    const received: Buffer[] = [];
    const decoder = createAwsChunkedDecoder(context);
    decoder.on('data', (chunk: Buffer) => received.push(chunk));
    await assert.rejects(new Promise((resolve, reject) => decoder.on('error', reject).on('end', resolve).end(tampered)), (error) => hasCode(error, 'SignatureDoesNotMatch'));
    assert.equal(Buffer.concat(received).toString(), 'good data');
  });
});

describe('verifyV4 round trips and failures', () => {
  const now = new Date('2026-01-02T03:04:05Z');
  const base: SignableRequest = { method: 'PUT', path: '/bucket/dir/file%20name.txt', query: [['partNumber', '2'], ['uploadId', 'abc']], headers: { host: '127.0.0.1:9000', 'content-type': 'text/plain', 'x-amz-meta-note': 'hi' } };
  const bodyHash = sha256Hex('hello');
  function signed(request = base, options: { date?: Date; payloadHash?: string; sessionToken?: string } = {}): SignableRequest {
    const credentials = options.sessionToken ? { ...s3Credentials, sessionToken: options.sessionToken } : s3Credentials;
    const added = signV4(request, credentials, { region: 'us-east-1', date: options.date ?? now, payloadHash: options.payloadHash ?? bodyHash });
    return { ...request, headers: { ...request.headers, ...added } };
  }
  const verify = (request: SignableRequest, at = now): V4VerifyResult => verifyV4(request, lookup, { now: at, region: 'us-east-1', service: 's3' });
  const presigned = (date = now, expiresSeconds = 3600): SignableRequest => ({ ...base, query: [...base.query, ...presignV4(base, s3Credentials, { region: 'us-east-1', date, expiresSeconds })] });

  it('header auth: sign → verify, with a session token and with UNSIGNED-PAYLOAD', () => {
    assert.deepEqual(verify(signed()), { ok: true, accessKeyId: s3Credentials.accessKeyId, payloadHash: bodyHash, presigned: false });
    const withToken = verify(signed(base, { sessionToken: 'tok/en+=' }));
    assert.ok(withToken.ok && withToken.sessionToken === 'tok/en+=', failure(withToken));
    const unsigned = verify(signed(base, { payloadHash: 'UNSIGNED-PAYLOAD' }));
    assert.ok(unsigned.ok && unsigned.payloadHash === 'UNSIGNED-PAYLOAD', failure(unsigned));
  });

  it('presigned: sign → verify; X-Amz-Signature is excluded from the canonical query', () => {
    assert.deepEqual(verify(presigned()), { ok: true, accessKeyId: s3Credentials.accessKeyId, payloadHash: 'UNSIGNED-PAYLOAD', presigned: true });
    const withToken = { ...base, query: [...base.query, ...presignV4(base, { ...s3Credentials, sessionToken: 'tok' }, { region: 'us-east-1', date: now, expiresSeconds: 60 })] };
    const tokenResult = verify(withToken);
    assert.ok(tokenResult.ok && tokenResult.sessionToken === 'tok', failure(tokenResult));
    assert.match(failure(verify({ ...withToken, query: withToken.query.map(([name, value]) => [name, name === 'X-Amz-Security-Token' ? 'forged' : value]) })), /^SignatureDoesNotMatch/);
    const parsed = parseV4Presigned(presigned().query);
    assert.equal(parsed?.expiresSeconds, 3600);
    assert.deepEqual(parsed?.signedHeaders, ['host', 'x-amz-meta-note'], 'x-amz-* headers of the request are always signed');
  });

  it('tampered method, path, query, signed header or body hash → SignatureDoesNotMatch', () => {
    const good = signed();
    const tampered: SignableRequest[] = [
      { ...good, method: 'POST' },
      { ...good, path: '/bucket/dir/other.txt' },
      { ...good, query: [['partNumber', '3'], ['uploadId', 'abc']] },
      { ...good, query: [...good.query, ['acl', '']] },
      { ...good, headers: { ...good.headers, 'content-type': 'text/html' } },
      { ...good, headers: { ...good.headers, 'x-amz-content-sha256': sha256Hex('evil') } },
      { ...good, headers: { ...good.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
      { ...presigned(), path: '/bucket/dir/other.txt' },
      { ...presigned(), method: 'DELETE' },
    ];
    for (const request of tampered) assert.equal(failure(verify(request)).split(':')[0], 'SignatureDoesNotMatch');
  });

  it('unknown access key → InvalidAccessKeyId', () => {
    const request = signed();
    assert.match(failure(verifyV4(request, () => undefined, { now })), /^InvalidAccessKeyId/);
    assert.equal(failure(verifyV4(request, lookup, { now })), 'ok');
    const wrongSecret = verifyV4(request, () => 'not-the-secret', { now });
    assert.match(failure(wrongSecret), /^SignatureDoesNotMatch/);
  });

  it('header auth outside ±15 minutes → RequestTimeTooSkewed; the Date header works without x-amz-date', () => {
    const request = signed();
    const minutes = (count: number): Date => new Date(now.getTime() + count * 60_000);
    assert.equal(failure(verify(request, minutes(14))), 'ok');
    assert.equal(failure(verify(request, minutes(-14))), 'ok');
    assert.match(failure(verify(request, minutes(16))), /^RequestTimeTooSkewed/);
    assert.match(failure(verify(request, minutes(-16))), /^RequestTimeTooSkewed/);
    // A client that sends only Date (no x-amz-date): the string to sign carries Date in ISO 8601 basic form.
    const headers = { host: 'h', date: now.toUTCString(), 'x-amz-content-sha256': bodyHash };
    const signedHeaders = ['date', 'host', 'x-amz-content-sha256'];
    const scope = credentialScope('20260102', 'us-east-1', 's3');
    const canonical = canonicalRequest({ method: 'GET', path: '/b/k', query: [], headers, signedHeaders, payloadHash: bodyHash });
    const signature = signatureHex(deriveSigningKey(s3Credentials.secretAccessKey, '20260102', 'us-east-1', 's3'), stringToSign('20260102T030405Z', scope, canonical));
    const authorization = `AWS4-HMAC-SHA256 Credential=${s3Credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
    const dateOnly: SignableRequest = { method: 'GET', path: '/b/k', query: [], headers: { ...headers, authorization } };
    assert.equal(failure(verify(dateOnly)), 'ok');
    assert.match(failure(verify(dateOnly, minutes(20))), /^RequestTimeTooSkewed/);
    assert.match(failure(verify({ ...dateOnly, headers: { ...dateOnly.headers, date: 'yesterday-ish' } })), /^AccessDenied: AWS authentication requires a valid Date/);
  });

  it('presigned expiry, not-yet-valid and X-Amz-Expires range', () => {
    const request = presigned(now, 600);
    assert.equal(failure(verify(request, new Date(now.getTime() + 600_000))), 'ok');
    assert.equal(failure(verify(request, new Date(now.getTime() + 601_000))), 'AccessDenied: Request has expired');
    const future = presigned(new Date(now.getTime() + 16 * 60_000));
    assert.equal(failure(verify(future)), 'AccessDenied: Request is not valid yet');
    assert.equal(failure(verify(presigned(new Date(now.getTime() + 14 * 60_000)))), 'ok');
    const withExpires = (value: string): SignableRequest => ({ ...request, query: request.query.map(([name, v]) => [name, name === 'X-Amz-Expires' ? value : v]) });
    for (const value of ['0', '604801', '-5', 'soon']) assert.match(failure(verify(withExpires(value))), /^AuthorizationQueryParametersError/);
    assert.match(failure(verify({ ...request, query: request.query.filter(([name]) => name !== 'X-Amz-Date') })), /^AuthorizationQueryParametersError/);
    assert.throws(() => presignV4(base, s3Credentials, { region: 'us-east-1', date: now, expiresSeconds: 604_801 }), (error) => hasCode(error, 'InvalidArgument'));
  });

  it('S3 rules: unsigned x-amz-* headers, unsigned host, both mechanisms, missing content hash, wrong region', () => {
    const good = signed();
    assert.match(failure(verify({ ...good, headers: { ...good.headers, 'x-amz-acl': 'public-read' } })), /^AccessDenied: There were headers present .*x-amz-acl/);
    const noHost = signV4(base, s3Credentials, { region: 'us-east-1', date: now, payloadHash: bodyHash });
    const hostless = noHost.authorization.replace('host;', '');
    assert.match(failure(verify({ ...base, headers: { ...base.headers, ...noHost, authorization: hostless } })), /^AccessDenied: The host header must be signed/);
    assert.match(failure(verify({ ...presigned(), headers: { ...base.headers, authorization: good.headers.authorization as string } })), /^AccessDenied: Only one auth/);
    const { 'x-amz-content-sha256': _hash, ...withoutHash } = good.headers;
    assert.match(failure(verify({ ...good, headers: withoutHash })), /^AccessDenied: Missing required header/);
    assert.match(failure(verifyV4(good, lookup, { now, region: 'ap-guangzhou' })), /^AccessDenied: .*region/);
    assert.match(failure(verify(base)), /^AccessDenied/);
    assert.match(failure(verify({ ...base, headers: { ...base.headers, authorization: 'AWS AKIAIOSFODNN7EXAMPLE:abc=' } })), /^AccessDenied: Unsupported/);
  });

  it('accepts a path encoded differently from how the client signed it, and node:http array headers', () => {
    assert.equal(canonicalUri('/a%7eb/c d/%E1%88%B4/x+y/p%2Fq'), '/a~b/c%20d/%E1%88%B4/x%2By/p%2Fq');
    assert.equal(canonicalUri(''), '/');
    const request = signed({ ...base, path: '/bucket/a~b(1).txt' });
    assert.equal(failure(verify({ ...request, path: '/bucket/a%7Eb%281%29.txt' })), 'ok');
    const distinct = signed({ ...base, headers: { ...base.headers, 'x-amz-meta-note': ['a', 'b'] } });
    assert.equal(failure(verify(distinct)), 'ok');
    assert.equal(failure(verify({ ...distinct, headers: { ...distinct.headers, 'x-amz-meta-note': 'a, b' } })).split(':')[0], 'SignatureDoesNotMatch');
  });
});

describe('parsers', () => {
  it('parseV4Authorization accepts any component order and spacing, rejects malformed values', () => {
    const sig = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
    assert.deepEqual(parseV4Authorization(`AWS4-HMAC-SHA256 SignedHeaders=host;range,Signature=${sig.toUpperCase()},  Credential=AKID/20130524/us-east-1/s3/aws4_request`), {
      accessKeyId: 'AKID', dateStamp: '20130524', region: 'us-east-1', service: 's3', scope: '20130524/us-east-1/s3/aws4_request', signedHeaders: ['host', 'range'], signature: sig,
    });
    for (const bad of [
      undefined, '', `AWS AKID:${sig}`, `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host`,
      `AWS4-HMAC-SHA256 Credential=AKID/2013052/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=Host, Signature=${sig}`,
      `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${sig.slice(1)}`,
      `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${sig}`,
    ]) assert.equal(parseV4Authorization(bad), undefined, String(bad));
  });

  it('parseV4Presigned needs every parameter once', () => {
    const pairs = presignV4({ method: 'GET', path: '/k', query: [], headers: { host: 'h' } }, { ...s3Credentials, sessionToken: 'tok' }, { region: 'r', date: s3Date, expiresSeconds: 60 });
    const parsed = parseV4Presigned(pairs);
    assert.equal(parsed?.sessionToken, 'tok');
    assert.equal(parsed?.amzDate, '20130524T000000Z');
    assert.equal(parseV4Presigned(pairs.filter(([name]) => name !== 'X-Amz-SignedHeaders')), undefined);
    assert.equal(parseV4Presigned([...pairs, ['X-Amz-Signature', pairs.at(-1)![1]]]), undefined);
    assert.equal(parseV4Presigned([]), undefined);
  });
});

describe('over a real node:http server', () => {
  it('verifies header-signed, presigned and aws-chunked requests as node:http delivers them', async () => {
    const secret = s3Credentials.secretAccessKey;
    const server = createServer((req: IncomingMessage, res) => {
      // The raw path (no URL normalisation of `..` or encodings), parseQuery (no `+`→space) and headersDistinct (repeated headers kept apart).
      const [path = '/', search = ''] = (req.url ?? '/').split(/\?(.*)/s);
      const result = verifyV4({ method: req.method ?? 'GET', path, query: parseQuery(search), headers: req.headersDistinct }, (id) => (id === s3Credentials.accessKeyId ? secret : undefined), { now: new Date() });
      if (!result.ok) return void res.writeHead(403).end(result.code);
      const body = result.chunked ? req.pipe(createAwsChunkedDecoder(result.chunked)) : req;
      buffer(body).then((bytes) => res.end(`ok ${bytes.toString()}`), (error: Error) => res.writeHead(400).end(String((error as { code?: string }).code)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const host = `127.0.0.1:${port}`;
      const send = (method: string, target: string, headers: Record<string, string>, body?: Buffer): Promise<string> => new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: target, method, headers }, (res) => buffer(res).then((bytes) => resolve(`${res.statusCode} ${bytes.toString()}`), reject));
        req.on('error', reject).end(body);
      });
      const date = new Date();
      const put: SignableRequest = { method: 'PUT', path: '/bucket/dir/../h%C3%A9llo%20w+1.txt', query: [['x-id', 'PutObject']], headers: { host, 'content-type': 'text/plain' } };
      const added = signV4(put, s3Credentials, { region: 'us-east-1', date, payloadHash: sha256Hex('hi') });
      assert.equal(await send('PUT', `${put.path}?x-id=PutObject`, { 'content-type': 'text/plain', ...added } as Record<string, string>, Buffer.from('hi')), '200 ok hi');
      const get: SignableRequest = { method: 'GET', path: '/bucket/k', query: [], headers: { host } };
      const pairs = presignV4(get, s3Credentials, { region: 'us-east-1', date, expiresSeconds: 60 });
      const search = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
      assert.equal(await send('GET', `/bucket/k?${search}`, {}), '200 ok ');
      assert.equal(await send('GET', `/bucket/other?${search}`, {}), '403 SignatureDoesNotMatch');

      const data = [Buffer.alloc(9000, 'x'), Buffer.from('tail')];
      const chunkedHeaders = { host, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '9004' };
      const chunkedAdded = signV4({ method: 'PUT', path: '/bucket/c', query: [], headers: chunkedHeaders }, s3Credentials, { region: 'us-east-1', date, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
      const dateStamp = chunkedAdded['x-amz-date'].slice(0, 8);
      const body = encodeChunked(data, { seedSignature: signatureOf(chunkedAdded.authorization), signingKey: deriveSigningKey(secret, dateStamp, 'us-east-1', 's3'), scope: credentialScope(dateStamp, 'us-east-1', 's3'), date: chunkedAdded['x-amz-date'] });
      const { host: _host, ...wireHeaders } = { ...chunkedHeaders, ...chunkedAdded };
      assert.equal(await send('PUT', '/bucket/c', wireHeaders as Record<string, string>, body), `200 ok ${'x'.repeat(9000)}tail`);
      const evil = Buffer.from(body.toString('latin1').replace('tail', 'fail'), 'latin1');
      assert.equal(await send('PUT', '/bucket/c', wireHeaders as Record<string, string>, evil), '400 SignatureDoesNotMatch');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
