/** Bad input: limits and malformed requests get 4xx COS errors, and the server keeps serving. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { send, TestEngine } from './engineClient.ts';

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    setTimeout(() => socket.end(), 500);
  });
}

describe('engine bad input', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('answers garbage with a 400 XML error and keeps serving', async () => {
    const answer = await rawExchange(t.engine.port, 'GARBAGE \x00\x01 NOT HTTP\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.match(answer, /<Error><Code>/);
    assert.equal((await t.request({ method: 'PUT', key: 'alive', body: 'yes' })).status, 200);
    assert.equal((await t.request({ key: 'alive' })).text, 'yes');
  });

  it('limits headers to 8 KiB and user metadata to 2 KB', async () => {
    const big = await t.request({ key: 'alive', headers: { 'x-filler': 'a'.repeat(9000) } });
    assert.equal(big.status, 400);
    assert.match(big.text, /InvalidArgument/);
    const meta = await t.request({ method: 'PUT', key: 'meta', body: 'm', headers: { 'x-cos-meta-a': 'b'.repeat(2100) } });
    assert.equal(meta.status, 400);
    assert.match(meta.text, /MetadataTooLarge/);
  });

  it('refuses a blank server-side encryption header instead of storing the object unencrypted', async () => {
    for (const name of ['x-cos-server-side-encryption', 'x-amz-server-side-encryption']) {
      const blank = await t.request({ method: 'PUT', key: 'blank-sse', body: 'secret', headers: { [name]: '' } });
      assert.equal(blank.status, 400, name);
      assert.match(blank.text, /InvalidArgument/);
    }
    assert.equal((await t.request({ key: 'blank-sse' })).status, 404);
  });

  it('an error answered before the body was read reaches the client, and the drained connection serves the next request', async () => {
    const init = await t.request({ method: 'POST', key: 'linger', query: [['uploads', '']] });
    const uploadId = /<UploadId>([^<]+)</.exec(init.text)![1]!;
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const authorization = signCos({ method: 'POST', pathname: '/linger', query: [['uploadId', uploadId]], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const body = Buffer.alloc(3.5 * 1024 * 1024, 0x3c);
    const answers = await Promise.all(Array.from({ length: 24 }, () => new Promise<string>((resolve) => {
      const socket = connect(t.engine.port, '127.0.0.1', () => {
        socket.write(`POST /linger?uploadId=${uploadId} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body);
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('</Error>')) socket.destroy();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    })));
    for (const answer of answers) assert.match(answer, /^HTTP\/1\.1 400 [^]*<Code>XMLSizeLimit<\/Code>/);
    // The drained connection is not reset: a second request on it is answered (RFC 9112 §9.6, staged close).
    const getAuthorization = signCos({ method: 'GET', pathname: '/missing-after-linger', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const both = await new Promise<string>((resolve) => {
      const socket = connect(t.engine.port, '127.0.0.1', () => {
        socket.write(`POST /linger?uploadId=${uploadId} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body);
      });
      let text = '';
      let second = false;
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (!second && text.includes('</Error>')) {
          second = true;
          socket.write(`GET /missing-after-linger HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${getAuthorization}\r\n\r\n`);
        }
        if ((text.match(/<\/Error>/g) ?? []).length === 2) socket.destroy();
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    });
    assert.match(both, /<Code>XMLSizeLimit<\/Code>[^]*HTTP\/1\.1 404 [^]*<Code>NoSuchKey<\/Code>/);
  });

  it('rejects bad keys: too long, NUL, dot segments, bad percent-encoding', async () => {
    assert.match((await t.request({ method: 'PUT', key: 'k'.repeat(851), body: 'x' })).text, /KeyTooLong/);
    assert.equal((await t.request({ method: 'PUT', key: 'k'.repeat(850), body: 'x' })).status, 200);
    for (const rawPath of ['/a%00b', '/a/../b', '/./x', '/bad%ZZ', '/%C3%28']) {
      const res = await t.request({ method: 'PUT', rawPath, key: 'ignored', body: 'x' });
      assert.equal(res.status, 400, rawPath);
      assert.match(res.text, /InvalidURI|SignatureDoesNotMatch/, rawPath);
    }
    const unsigned = await send(t.engine.port, { method: 'GET', path: '/a/../b', headers: { host: `${t.bucket}.cos.ap-guangzhou.myqcloud.com` } });
    assert.match(unsigned.text, /InvalidURI/);
  });

  it('rejects malformed and oversized XML bodies', async () => {
    const init = await t.request({ method: 'POST', key: 'xml', query: [['uploads', '']] });
    const uploadId = /<UploadId>([^<]+)</.exec(init.text)![1]!;
    const malformed = await t.request({ method: 'POST', key: 'xml', query: [['uploadId', uploadId]], body: '<CompleteMultipartUpload><Part>' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.text, /MalformedXML/);
    const huge = await t.request({ method: 'POST', query: [['delete', '']], body: `<Delete>${'<Object><Key>k</Key></Object>'.repeat(80_000)}</Delete>` });
    assert.equal(huge.status, 400);
    assert.match(huge.text, /XMLSizeLimit/);
    const tooMany = await t.request({ method: 'POST', query: [['delete', '']], body: `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>` });
    assert.match(tooMany.text, /MalformedXML/);
    assert.match((await t.request({ method: 'PUT', query: [['encryption', '']], body: 'not xml' })).text, /MalformedXML/);
    assert.equal((await t.request({ key: 'alive' })).text, 'yes');
  });

  it('refuses a PUT without a length, unknown sub-resources and methods', async () => {
    assert.equal((await t.request({ method: 'PATCH', key: 'x' })).status, 405);
    assert.equal((await t.request({ query: [['tagging', '']] })).status, 501);
    assert.equal((await t.request({ method: 'GET', bucket: 'Bad_Bucket', style: 'path', key: 'x' })).status, 400);
  });
});
