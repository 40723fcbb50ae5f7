/** Connection limits: a stalled upload is answered 400 RequestTimeOut and releases its blob; slow heads get 408; connections beyond the cap are closed. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { TestEngine } from './engineClient.ts';

/** Writes `text` and collects everything until the server closes the connection. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
  });
}

describe('engine connection limits', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start({ limits: { idleTimeoutMs: 1000, headersTimeoutMs: 1500, maxConnections: 8 } });
  });
  after(async () => {
    await t.close();
  });

  it('answers a signed upload that stalls mid-body 400 RequestTimeOut and removes its temporary blob', async () => {
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const authorization = signCos({ method: 'PUT', pathname: '/stalled', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const answers = await Promise.all([1, 2, 3].map(() => exchange(t.engine.port, `PUT /stalled HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(5000)}`)));
    for (const answer of answers) {
      assert.match(answer, /^HTTP\/1\.1 400/);
      assert.match(answer, /<Code>RequestTimeOut<\/Code>/);
    }
    const deadline = Date.now() + 10_000;
    while ((await readdir(path.join(t.dir, 'tmp'))).length > 0) {
      assert.ok(Date.now() < deadline, 'the stalled uploads released their temporary blobs');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await t.request({ method: 'GET', key: 'stalled' })).status, 404);
  });

  it('answers a request head that never completes 408 RequestTimeOut', async () => {
    const answer = await exchange(t.engine.port, `GET / HTTP/1.1\r\nHost: ${t.bucket}.cos.ap-guangzhou.myqcloud.com\r\nX-Slow: a`);
    assert.match(answer, /^HTTP\/1\.1 (408|400)/);
    assert.match(answer, /<Code>RequestTimeOut<\/Code>/);
  });

  it('closes an idle kept-alive connection without writing anything more on it', async () => {
    const host = `${t.bucket}.cos.ap-guangzhou.myqcloud.com`;
    const authorization = signCos({ method: 'PUT', pathname: '/kept-alive', query: [], headers: { host } }, t.engine.credentials, { startSeconds: Math.floor(Date.now() / 1000) - 1 });
    const received = await new Promise<string>((resolve) => {
      const socket = connect(t.engine.port, '127.0.0.1', () => socket.write(`PUT /kept-alive HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\nContent-Length: 2\r\n\r\nok`));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    });
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(received, /Connection: close/i, 'the connection was kept alive');
    assert.equal(received.match(/HTTP\/1\.1 /g)?.length, 1, `one answer, then a silent close: ${received}`);
  });

  it('closes connections beyond the cap at once and serves again when they are gone', async () => {
    const sockets: Socket[] = [];
    const closedEarly = await Promise.all(Array.from({ length: 12 }, () => new Promise<boolean>((resolve) => {
      const socket = connect(t.engine.port, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => {});
      const timer = setTimeout(() => resolve(false), 500);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    })));
    assert.equal(closedEarly.filter(Boolean).length, 4, 'the four connections beyond 8 were closed');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await t.request({ method: 'PUT', key: 'after-flood', body: 'ok' })).status, 200);
  });
});
