/** Signed requests whose time fields were edited (COS header, presigned, legacy `sign`, SigV4, POST policy) are refused by a real engine. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { presignCos, signCos, signPostPolicy } from '../../core/protocol/cosSignature.ts';
import { credentialScope, formatAmzDate, presignV4, signV4 } from '../../core/protocol/sigv4.ts';
import { send, TestEngine, type TestResponse } from './engineClient.ts';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/** Replaces `name=value` in an `&`-joined credential string or query. */
const withField = (text: string, name: string, value: string): string => text.split('&').map((pair) => (pair.startsWith(`${name}=`) ? `${name}=${value}` : pair)).join('&');
const codeOf = (response: TestResponse): string => /<Code>([^<]*)<\/Code>/.exec(response.text)?.[1] ?? `(status ${response.status}, no code)`;
const messageOf = (response: TestResponse): string => /<Message>([^<]*)<\/Message>/.exec(response.text)?.[1] ?? '';

describe('edited signature times are refused (issue 15, item 1)', () => {
  let t: TestEngine;
  let host: string;
  const secret = 'the object only signed requests may read';
  before(async () => {
    t = await TestEngine.start();
    host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    assert.equal((await t.request({ method: 'PUT', key: 'private.txt', body: secret })).status, 200);
  });
  after(async () => {
    await t.close();
  });

  const getWith = (authorization: string): Promise<TestResponse> => send(t.engine.port, { method: 'GET', path: '/private.txt', headers: { host, authorization } });
  /** A GET signed a month ago for one hour: long expired. */
  const expiredAuthorization = (): string => signCos({ method: 'GET', pathname: '/private.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() - 30 * 86_400, expiresSeconds: 3600 });
  const freshWindow = (): string => `${nowSeconds() - 10};${nowSeconds() + 3600}`;

  it('Authorization header: an expired signature stays expired whichever time field is rewritten', async () => {
    const expired = expiredAuthorization();
    const untouched = await getWith(expired);
    assert.equal(untouched.status, 403);
    assert.equal(messageOf(untouched), 'Request has expired');
    // The attack of the issue: q-sign-time rewritten to now, q-key-time left alone.
    const signTimeOnly = await getWith(withField(expired, 'q-sign-time', freshWindow()));
    assert.equal(signTimeOnly.status, 403, 'a rewritten q-sign-time must not revive an expired signature');
    assert.equal(codeOf(signTimeOnly), 'AccessDenied');
    assert.notEqual(signTimeOnly.text, secret);
    const window = freshWindow();
    const both = await getWith(withField(withField(expired, 'q-sign-time', window), 'q-key-time', window));
    assert.equal(both.status, 403);
    assert.equal(codeOf(both), 'SignatureDoesNotMatch');
    const keyTimeOnly = await getWith(withField(expired, 'q-key-time', freshWindow()));
    assert.equal(codeOf(keyTimeOnly), 'AccessDenied');
  });

  it('a valid signature whose q-sign-time is narrowed or moved inside q-key-time no longer matches: the sign time is signed', async () => {
    const start = nowSeconds() - 10;
    const keyTime = `${start - 100};${start + 7200}`;
    const authorization = signCos({ method: 'GET', pathname: '/private.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: start, expiresSeconds: 600, keyTime });
    const good = await getWith(authorization);
    assert.equal(good.status, 200, good.text);
    assert.equal(good.text, secret);
    const widened = await getWith(withField(authorization, 'q-sign-time', `${start};${start + 7000}`));
    assert.equal(codeOf(widened), 'SignatureDoesNotMatch');
    const outside = await getWith(withField(authorization, 'q-sign-time', `${start};${start + 9000}`));
    assert.equal(codeOf(outside), 'AccessDenied');
    assert.equal(messageOf(outside), 'q-sign-time must lie within q-key-time.');
    const malformed = await getWith(withField(authorization, 'q-sign-time', `${start};${start + 600};1`));
    assert.equal(codeOf(malformed), 'AccessDenied');
  });

  it('presigned URL and the legacy sign parameter: editing q-sign-time does not revive a shared link', async () => {
    const query = presignCos({ method: 'GET', pathname: '/private.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() - 30 * 86_400, expiresSeconds: 3600 });
    const expired = await send(t.engine.port, { method: 'GET', path: `/private.txt?${query}`, headers: { host } });
    assert.equal(messageOf(expired), 'Request has expired');
    const revived = await send(t.engine.port, { method: 'GET', path: `/private.txt?${withField(query, 'q-sign-time', encodeURIComponent(freshWindow()))}`, headers: { host } });
    assert.equal(revived.status, 403, 'an edited presigned URL must not serve the object');
    assert.equal(codeOf(revived), 'AccessDenied');
    const legacy = encodeURIComponent(withField(expiredAuthorization(), 'q-sign-time', freshWindow()));
    const legacyRes = await send(t.engine.port, { method: 'GET', path: `/private.txt?sign=${legacy}`, headers: { host } });
    assert.equal(legacyRes.status, 403);
    const future = presignCos({ method: 'GET', pathname: '/private.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() + 3600, expiresSeconds: 60 });
    const early = await send(t.engine.port, { method: 'GET', path: `/private.txt?${future}`, headers: { host } });
    assert.equal(codeOf(early), 'AccessDenied');
    assert.equal(messageOf(early), 'Request is not valid yet');
  });

  it('an expired PUT with a rewritten q-sign-time cannot overwrite an object', async () => {
    assert.equal((await t.request({ method: 'PUT', key: 'victim.txt', body: 'original' })).status, 200);
    const body = Buffer.from('overwritten by an attacker');
    const headers = { host, 'content-length': String(body.length) };
    const expired = signCos({ method: 'PUT', pathname: '/victim.txt', query: [], headers }, t.engine.credentials, { startSeconds: nowSeconds() - 86_400, expiresSeconds: 900 });
    const put = await send(t.engine.port, { method: 'PUT', path: '/victim.txt', headers: { ...headers, authorization: withField(expired, 'q-sign-time', freshWindow()) }, body });
    assert.equal(put.status, 403);
    assert.equal((await t.request({ key: 'victim.txt' })).text, 'original');
  });

  it('header signature from a clock far ahead: RequestTimeTooSkewed', async () => {
    const ahead = signCos({ method: 'GET', pathname: '/private.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() + 3600 });
    assert.equal(codeOf(await getWith(ahead)), 'RequestTimeTooSkewed');
  });

  describe('SigV4', () => {
    const credentials = (): { accessKeyId: string; secretAccessKey: string } => ({ accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey });
    const request = (): { method: string; path: string; query: [string, string][]; headers: Record<string, string> } => ({ method: 'GET', path: '/private.txt', query: [], headers: { host } });
    const getQuery = (query: [string, string][]): Promise<TestResponse> =>
      send(t.engine.port, { method: 'GET', path: `/private.txt?${query.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`, headers: { host } });
    const edit = (query: [string, string][], name: string, value: string): [string, string][] => query.map(([n, v]) => [n, n === name ? value : v]);

    it('presigned: X-Amz-Date, X-Amz-Expires and the credential date are signed', async () => {
      const signedAt = new Date(Date.now() - 2 * 86_400_000);
      const expired = presignV4(request(), credentials(), { region: 'ap-guangzhou', date: signedAt, expiresSeconds: 3600 });
      const expiredRes = await getQuery(expired);
      assert.equal(codeOf(expiredRes), 'AccessDenied');
      assert.equal(messageOf(expiredRes), 'Request has expired');
      const longer = await getQuery(edit(expired, 'X-Amz-Expires', '604800'));
      assert.equal(codeOf(longer), 'SignatureDoesNotMatch');
      const now = new Date();
      const redated = edit(expired, 'X-Amz-Date', formatAmzDate(now));
      assert.equal(codeOf(await getQuery(redated)), 'AuthorizationQueryParametersError', 'the credential date must be the X-Amz-Date day');
      const credential = `${t.engine.credentials.secretId}/${credentialScope(formatAmzDate(now).slice(0, 8), 'ap-guangzhou', 's3')}`;
      assert.equal(codeOf(await getQuery(edit(redated, 'X-Amz-Credential', credential))), 'SignatureDoesNotMatch');
      assert.equal(codeOf(await getQuery(edit(expired, 'X-Amz-Expires', '604801'))), 'AuthorizationQueryParametersError');
      const good = presignV4(request(), credentials(), { region: 'ap-guangzhou', date: now, expiresSeconds: 60 });
      assert.equal((await getQuery(good)).text, secret);
    });

    it('header auth: x-amz-date is signed, and an old one is RequestTimeTooSkewed', async () => {
      const old = signV4(request(), credentials(), { region: 'ap-guangzhou', date: new Date(Date.now() - 2 * 86_400_000) });
      const oldRes = await send(t.engine.port, { method: 'GET', path: '/private.txt', headers: { host, ...old } as Record<string, string> });
      assert.equal(codeOf(oldRes), 'RequestTimeTooSkewed');
      const now = new Date();
      const redated = await send(t.engine.port, { method: 'GET', path: '/private.txt', headers: { host, ...old, 'x-amz-date': formatAmzDate(now) } as Record<string, string> });
      assert.equal(codeOf(redated), 'AccessDenied', 'the credential scope date no longer matches x-amz-date');
      const scopeEdited = old.authorization.replace(/\/\d{8}\//, `/${formatAmzDate(now).slice(0, 8)}/`);
      const both = await send(t.engine.port, { method: 'GET', path: '/private.txt', headers: { host, ...old, 'x-amz-date': formatAmzDate(now), authorization: scopeEdited } as Record<string, string> });
      assert.equal(codeOf(both), 'SignatureDoesNotMatch');
    });
  });

  describe('POST Object policy', () => {
    const post = (fields: [string, string][]): Promise<TestResponse> => {
      const boundary = `----form${randomBytes(8).toString('hex')}`;
      const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
      const body = Buffer.concat([Buffer.from(parts.join('')), Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\nContent-Type: text/plain\r\n\r\nposted\r\n--${boundary}--\r\n`)]);
      return send(t.engine.port, { method: 'POST', path: '/', headers: { host, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }, body });
    };
    const policyOf = (expiration: Date, keyTime: string): string => Buffer.from(JSON.stringify({
      expiration: expiration.toISOString(),
      conditions: [{ bucket: t.bucket }, ['starts-with', '$key', 'form/'], { 'q-sign-algorithm': 'sha1' }, { 'q-ak': t.engine.credentials.secretId }, { 'q-sign-time': keyTime }],
    })).toString('base64');
    const formFields = (key: string, policy: string, keyTime: string, signature: string): [string, string][] => [
      ['key', key], ['policy', policy], ['q-sign-algorithm', 'sha1'], ['q-ak', t.engine.credentials.secretId], ['q-key-time', keyTime], ['q-signature', signature],
    ];
    const signed = (expiration: Date, keyTime: string): { policy: string; signature: string } => {
      const policy = policyOf(expiration, keyTime);
      return { policy, signature: signPostPolicy(Buffer.from(policy, 'base64'), t.engine.credentials.secretKey, keyTime) };
    };

    it('a fresh policy uploads (q-sign-time condition met by q-key-time, as COS documents the form)', async () => {
      const keyTime = freshWindow();
      const { policy, signature } = signed(new Date(Date.now() + 600_000), keyTime);
      const res = await post(formFields('form/ok.txt', policy, keyTime, signature));
      assert.equal(res.status, 204, res.text);
    });

    it('an expired expiration or key time is refused, and editing either breaks the signature', async () => {
      const oldKeyTime = `${nowSeconds() - 7200};${nowSeconds() - 3600}`;
      const oldExpiration = new Date(Date.now() - 3600_000);
      const expired = signed(oldExpiration, oldKeyTime);
      const expiredRes = await post(formFields('form/a.txt', expired.policy, oldKeyTime, expired.signature));
      assert.equal(codeOf(expiredRes), 'AccessDenied');
      assert.equal(messageOf(expiredRes), 'Request has expired');
      // Edited expiration: the policy text is what the signature covers.
      const laterPolicy = policyOf(new Date(Date.now() + 3600_000), oldKeyTime);
      assert.equal(codeOf(await post(formFields('form/b.txt', laterPolicy, oldKeyTime, expired.signature))), 'SignatureDoesNotMatch');
      // Edited q-key-time: the SignKey is derived from it.
      assert.equal(codeOf(await post(formFields('form/c.txt', expired.policy, freshWindow(), expired.signature))), 'SignatureDoesNotMatch');
      // A valid signature over a key time that ended, with a policy that has not.
      const keyExpired = signed(new Date(Date.now() + 3600_000), oldKeyTime);
      const keyExpiredRes = await post(formFields('form/d.txt', keyExpired.policy, oldKeyTime, keyExpired.signature));
      assert.equal(messageOf(keyExpiredRes), 'Request has expired');
      // A valid signature over a live key time, with a policy that expired.
      const liveKey = freshWindow();
      const policyExpired = signed(oldExpiration, liveKey);
      assert.equal(messageOf(await post(formFields('form/e.txt', policyExpired.policy, liveKey, policyExpired.signature))), 'Request has expired');
      const future = `${nowSeconds() + 7200};${nowSeconds() + 9000}`;
      const notYet = signed(new Date(Date.now() + 10_000_000), future);
      assert.equal(messageOf(await post(formFields('form/f.txt', notYet.policy, future, notYet.signature))), 'Request is not valid yet');
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal((await t.request({ key: `form/${key}.txt` })).status, 404);
    });
  });
});
