/** `response-*` overrides count only when the signature covers them, and every engine response says nosniff (issue 15, item 2). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { presignCos, signCos } from '../../core/protocol/cosSignature.ts';
import { presignV4 } from '../../core/protocol/sigv4.ts';
import { send, TestEngine, type TestResponse } from './engineClient.ts';

const codeOf = (response: TestResponse): string => /<Code>([^<]*)<\/Code>/.exec(response.text)?.[1] ?? `(status ${response.status}, no code)`;
const html = '<script>document.title = "ran in the engine origin"</script>';
const nowSeconds = (): number => Math.floor(Date.now() / 1000) - 1;

describe('response-* overrides and nosniff', () => {
  let t: TestEngine;
  let host: string;
  before(async () => {
    t = await TestEngine.start();
    host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    assert.equal((await t.request({ method: 'PUT', key: 'notes.txt', body: html, headers: { 'content-type': 'text/plain' } })).status, 200);
  });
  after(async () => {
    await t.close();
  });

  const presigned = (query: [string, string][] = []): string =>
    presignCos({ method: 'GET', pathname: '/notes.txt', query, headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() });
  const get = (target: string, headers: Record<string, string> = {}): Promise<TestResponse> => send(t.engine.port, { method: 'GET', path: target, headers: { host, ...headers } });
  const appended = '&response-content-type=text%2Fhtml&response-content-disposition=inline';

  it('a presigned COS URL with unsigned response-* appended is refused, not served as HTML', async () => {
    const plain = await get(`/notes.txt?${presigned()}`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'text/plain');
    const attacked = await get(`/notes.txt?${presigned()}${appended}`);
    assert.notEqual(attacked.headers['content-type'], 'text/html', 'an unsigned override must never reach the response');
    assert.equal(attacked.status, 403);
    assert.equal(codeOf(attacked), 'AccessDenied');
    assert.doesNotMatch(attacked.text, /<script>/);
  });

  it('signed overrides apply (q-url-param-list names them), and a second copy of a signed name cannot replace its value', async () => {
    const query: [string, string][] = [['response-content-type', 'application/x-test'], ['response-content-disposition', 'attachment; filename="n.txt"']];
    const signed = presigned(query);
    const search = query.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
    const res = await get(`/notes.txt?${search}&${signed}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'application/x-test');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="n.txt"');
    // The signature covers the first value of each name; a later one is not what the signer chose.
    const duplicated = await get(`/notes.txt?${search}&${signed}&response-content-type=text%2Fhtml`);
    assert.notEqual(duplicated.headers['content-type'], 'text/html');
    // A differently cased name counts for the COS signature, but only the signed value may be served.
    const upper = presigned([['RESPONSE-CONTENT-TYPE', 'text/plain']]);
    const cased = await get(`/notes.txt?RESPONSE-CONTENT-TYPE=text%2Fplain&${upper}&response-content-type=text%2Fhtml`);
    assert.equal(cased.status, 403);
    assert.equal(codeOf(cased), 'AccessDenied');
  });

  it('an Authorization-header signature that leaves response-* out of q-url-param-list is refused', async () => {
    const authorization = signCos({ method: 'GET', pathname: '/notes.txt', query: [], headers: { host } }, t.engine.credentials, { startSeconds: nowSeconds() });
    const res = await get(`/notes.txt?response-content-type=text%2Fhtml`, { authorization });
    assert.equal(res.status, 403);
    assert.equal(codeOf(res), 'AccessDenied');
  });

  it('SigV4 presigned URLs sign the whole query: signed overrides apply, appended ones break the signature', async () => {
    const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
    const request = { method: 'GET', path: '/notes.txt', query: [['response-content-disposition', 'attachment']] as [string, string][], headers: { host } };
    const query = [...request.query, ...presignV4(request, credentials, { region: 'ap-guangzhou', date: new Date(), expiresSeconds: 300 })];
    const search = query.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
    const res = await get(`/notes.txt?${search}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-disposition'], 'attachment');
    const attacked = await get(`/notes.txt?${search}${appended}`);
    assert.equal(codeOf(attacked), 'SignatureDoesNotMatch');
  });

  it('anonymous GETs of a public-read bucket may not use response-* (400 InvalidRequest)', async () => {
    const bucket = 'open-1250000000';
    assert.equal((await t.request({ method: 'PUT', bucket, headers: { 'x-cos-acl': 'public-read' } })).status, 200);
    assert.equal((await t.request({ method: 'PUT', bucket, key: 'page.txt', body: html })).status, 200);
    assert.equal((await t.request({ bucket, key: 'page.txt', anonymous: true })).text, html);
    const res = await t.request({ bucket, key: 'page.txt', anonymous: true, query: [['response-content-type', 'text/html']] });
    assert.equal(res.status, 400);
    assert.equal(codeOf(res), 'InvalidRequest');
  });

  it('every object answer carries X-Content-Type-Options: nosniff (200, 206, 304, HEAD, errors)', async () => {
    const full = await t.request({ key: 'notes.txt' });
    const etag = String(full.headers.etag);
    const answers = [
      full,
      await t.request({ key: 'notes.txt', headers: { range: 'bytes=0-3' } }),
      await t.request({ key: 'notes.txt', headers: { 'if-none-match': etag } }),
      await t.request({ method: 'HEAD', key: 'notes.txt' }),
      await t.request({ key: 'missing.txt' }),
      await get(`/notes.txt?${presigned()}${appended}`),
    ];
    assert.deepEqual(answers.map((answer) => answer.status), [200, 206, 304, 200, 404, 403]);
    for (const answer of answers) assert.equal(answer.headers['x-content-type-options'], 'nosniff', `status ${answer.status}`);
  });
});
