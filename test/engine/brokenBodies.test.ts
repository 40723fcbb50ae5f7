/** Issue 10: many signed uploads whose bodies break at once (bad framing, bad chunk signatures, clients gone) never end the engine. */
import assert from 'node:assert/strict';
import { until } from '../until.ts';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signCos, signPostPolicy } from '../../core/protocol/cosSignature.ts';
import { awsChunkSignature, credentialScope, deriveSigningKey, formatAmzDate, signV4, STREAMING_PAYLOAD } from '../../core/protocol/sigv4.ts';
import { TestEngine } from './engineClient.ts';

const REGION = 'ap-guangzhou';
const CONCURRENCY = 24;
const ROUNDS = 3;

/** How a body breaks: the bytes after the head, and what the client does after sending them. */
interface BrokenBody {
  name: string;
  headers: Record<string, string>;
  body: Buffer;
  /** 'end' half-closes after the body, 'destroy' resets the connection, 'wait' waits for the answer. */
  ending: 'end' | 'destroy' | 'wait';
}

/** Sends one raw request and resolves with the status line (or how the connection ended); never rejects. */
function rawRequest(port: number, head: string, broken: BrokenBody): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('connect', () => {
      socket.write(head);
      socket.write(broken.body, () => {
        if (broken.ending === 'end') socket.end();
        if (broken.ending === 'destroy') socket.resetAndDestroy();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      // The status line is all this test reads; a kept-alive connection would otherwise idle until the engine's timeout.
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0] || 'closed');
    });
  });
}

/** The broken bodies of issue 10, for a request whose signed head is built by `sign`. */
function brokenBodies(): BrokenBody[] {
  const te = { 'transfer-encoding': 'chunked' };
  return [
    { name: 'negative chunk size', headers: te, body: Buffer.from('-1\r\nhello\r\n0\r\n\r\n'), ending: 'wait' },
    { name: 'chunk size zz', headers: te, body: Buffer.from('zz\r\nhello\r\n0\r\n\r\n'), ending: 'wait' },
    { name: 'chunk cut then close', headers: te, body: Buffer.from(`10000\r\n${'x'.repeat(5000)}`), ending: 'end' },
    { name: 'gzip, chunked', headers: { 'transfer-encoding': 'gzip, chunked' }, body: Buffer.from('5\r\nhello\r\n0\r\n\r\n'), ending: 'wait' },
    { name: 'short body then close', headers: { 'content-length': '200000' }, body: randomBytes(70_000), ending: 'end' },
    { name: 'client gone mid-body', headers: { 'content-length': '1000000' }, body: randomBytes(300_000), ending: 'destroy' },
    // A small declared size takes the path that keeps the object in the index (seven kinds: each meets every request kind).
    { name: 'short small body then close', headers: { 'content-length': '20000' }, body: randomBytes(7_000), ending: 'end' },
  ];
}

/** A q-sign signed request head (only Host is signed, so the broken headers can vary freely). */
function cosHead(t: TestEngine, method: string, key: string, query: [string, string][], headers: Record<string, string>): string {
  const host = `${t.bucket}.cos.${REGION}.myqcloud.com`;
  const authorization = signCos({ method, pathname: `/${key}`, query, headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
  const search = query.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  const lines = [`${method} /${key}${search ? `?${search}` : ''} HTTP/1.1`, `Host: ${host}`, `Authorization: ${authorization}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A SigV4 aws-chunked PUT head plus a body whose second chunk carries a wrong chunk signature. */
function awsChunkedBadSignature(t: TestEngine, key: string): { head: string; body: BrokenBody } {
  const date = new Date();
  const credentials = { accessKeyId: t.engine.credentials.secretId, secretAccessKey: t.engine.credentials.secretKey };
  const data = randomBytes(100_000);
  const first = data.subarray(0, 65_536);
  const second = data.subarray(65_536);
  const headers: Record<string, string> = {
    host: `${t.bucket}.cos.${REGION}.myqcloud.com`, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length),
    'x-amz-server-side-encryption': 'AES256',
  };
  const stamp = formatAmzDate(date).slice(0, 8);
  const frame = (seed: string): Buffer => {
    const sign = { signingKey: deriveSigningKey(credentials.secretAccessKey, stamp, REGION, 's3'), scope: credentialScope(stamp, REGION, 's3'), date };
    const good = awsChunkSignature({ ...sign, previousSignature: seed, data: first });
    return Buffer.concat([
      Buffer.from(`${first.length.toString(16)};chunk-signature=${good}\r\n`), first, Buffer.from('\r\n'),
      Buffer.from(`${second.length.toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`), second, Buffer.from('\r\n'),
      Buffer.from(`0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`),
    ]);
  };
  headers['content-length'] = String(frame('0'.repeat(64)).length);
  const signed = signV4({ method: 'PUT', path: `/${key}`, query: [], headers }, credentials, { region: REGION, date, payloadHash: STREAMING_PAYLOAD });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.authorization)![1]!;
  const all = { ...headers, ...signed } as Record<string, string>;
  const head = `PUT /${key} HTTP/1.1\r\n${Object.entries(all).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
  return { head, body: { name: 'aws-chunked bad chunk signature', headers: {}, body: frame(seed), ending: 'wait' } };
}

/** A signed POST Object form whose file part is cut off (half-close or reset). */
function cutForm(t: TestEngine, key: string, ending: 'end' | 'destroy'): { head: string; body: BrokenBody } {
  const now = Math.floor(Date.now() / 1000);
  const keyTime = `${now - 10};${now + 600}`;
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [{ bucket: t.bucket }] })).toString('base64');
  const fields: [string, string][] = [
    ['key', key], ['policy', policy], ['q-sign-algorithm', 'sha1'], ['q-ak', t.engine.credentials.secretId], ['q-key-time', keyTime],
    ['q-signature', signPostPolicy(Buffer.from(policy, 'base64'), t.engine.credentials.secretKey, keyTime)], ['x-cos-server-side-encryption', 'AES256'],
  ];
  const boundary = `----form${randomBytes(8).toString('hex')}`;
  const prefix = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n`;
  const sent = Buffer.concat([Buffer.from(prefix), randomBytes(150_000)]);
  const head = `POST / HTTP/1.1\r\nHost: ${t.bucket}.cos.${REGION}.myqcloud.com\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${sent.length + 400_000}\r\n\r\n`;
  return { head, body: { name: `form cut (${ending})`, headers: {}, body: sent, ending } };
}

describe('engine: broken request bodies at any concurrency', () => {
  let t: TestEngine;
  let uploadId: string;
  let baselineFds: number;
  before(async () => {
    t = await TestEngine.start();
    const init = await t.request({ method: 'POST', key: 'parts/target', query: [['uploads', '']], headers: { 'x-cos-server-side-encryption': 'AES256' } });
    uploadId = /<UploadId>([^<]+)</.exec(init.text)![1]!;
    baselineFds = (await readdir('/proc/self/fd')).length;
  });
  after(async () => {
    await t.close();
  });

  it('answers every broken PUT, Upload Part and POST form, releases every file and keeps serving', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const requests: Promise<string>[] = [];
      for (let slot = 0; slot < CONCURRENCY; slot++) {
        const kinds = brokenBodies();
        const broken = kinds[slot % kinds.length]!;
        const key = `bad/${round}-${slot}`;
        switch (slot % 4) {
          case 0:
          case 1:
            requests.push(rawRequest(t.engine.port, cosHead(t, 'PUT', key, [], broken.headers), broken));
            break;
          case 2: {
            const query: [string, string][] = [['partNumber', String(slot + 1)], ['uploadId', uploadId]];
            requests.push(rawRequest(t.engine.port, cosHead(t, 'PUT', 'parts/target', query, broken.headers), broken));
            break;
          }
          default: {
            const special = slot % 8 === 3 ? awsChunkedBadSignature(t, key) : cutForm(t, key, slot % 16 === 7 ? 'destroy' : 'end');
            requests.push(rawRequest(t.engine.port, special.head, special.body));
          }
        }
      }
      const answers = await Promise.all(requests);
      // 501 is the documented answer to `Transfer-Encoding: gzip, chunked`; no other 5xx may appear.
      for (const answer of answers) assert.doesNotMatch(answer, /^HTTP\/1\.1 5(?!01)/, `round ${round}: ${answers.join(' | ')}`);
      assert.ok(answers.filter((answer) => answer.startsWith('HTTP/1.1 4')).length >= CONCURRENCY / 4, answers.join(' | '));
    }
    const put = await t.request({ method: 'PUT', key: 'after/alive', body: 'still serving', headers: { 'x-cos-server-side-encryption': 'AES256' } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await t.request({ key: 'after/alive' })).text, 'still serving');
    const listed = await t.request({ query: [['prefix', 'bad/']] });
    assert.doesNotMatch(listed.text, /<Key>bad\//, 'no broken body became an object');
    await until(async () => (await readdir(path.join(t.dir, 'tmp'))).length === 0, 'DATA/tmp holds no temporary blobs');
    await until(async () => (await readdir('/proc/self/fd')).length <= baselineFds + 2, 'every file descriptor is released');
  });

  it('answers a signed request without a Host header with a COS XML error', async () => {
    const authorization = signCos({ method: 'GET', pathname: '/x', query: [], headers: {} }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(t.engine.port, '127.0.0.1', () => socket.end(`GET /x HTTP/1.1\r\nAuthorization: ${authorization}\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.[01] 400/);
    assert.match(answer, /<Error><Code>[A-Za-z]+<\/Code>/);
  });
});
