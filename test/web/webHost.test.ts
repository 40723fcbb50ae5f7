/** The headless web host: token, Host/Origin checks, method and argument validation, SSE, static files, uploads. */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { apiMethods } from '../../core/app/apiMethods.ts';
import type { AppEvent } from '../../core/app/contract.ts';
import { startWebHost } from '../../core/web/startWebHost.ts';
import { rawRequest, startTestHost } from './webHostClient.ts';

type TestHost = Awaited<ReturnType<typeof startTestHost>>;

describe('web host', () => {
  let t: TestHost;
  before(async () => {
    t = await startTestHost();
  });
  after(async () => {
    await t.close();
  });

  test('the url carries a 32-byte base64url token and the host binds 127.0.0.1 unless told otherwise', async () => {
    assert.match(t.host.url, new RegExp(`^http://127\\.0\\.0\\.1:${t.host.port}/\\?token=[A-Za-z0-9_-]{43}$`));
    await assert.rejects(startWebHost({ service: t.service, staticDir: t.staticDir, host: '0.0.0.0' }), { code: 'InsecureBind', hint: /--tls/ });
  });

  test('bound to every interface, the host answers IP-literal Host headers and still refuses host names', async () => {
    const wide = await startWebHost({ service: t.service, staticDir: t.staticDir, host: '0.0.0.0', insecureHttp: true });
    try {
      const byAddress = await rawRequest(wide.port, 'POST', '/api/getSnapshot', { host: `127.0.0.2:${wide.port}`, 'content-type': 'application/json', authorization: `Bearer ${wide.token}` }, '[]');
      assert.equal(byAddress.status, 200);
      const rebinding = await rawRequest(wide.port, 'POST', '/api/getSnapshot', { host: `evil.example:${wide.port}`, 'content-type': 'application/json', authorization: `Bearer ${wide.token}` }, '[]');
      assert.equal(rebinding.status, 421);
    } finally {
      await wide.close();
    }
  });

  test('API calls without, or with a wrong, token get 401', async () => {
    const missing = await rawRequest(t.host.port, 'POST', '/api/getSnapshot', { host: t.hostHeader, 'content-type': 'application/json' }, '[]');
    assert.equal(missing.status, 401);
    assert.equal(JSON.parse(missing.body).code, 'Unauthorized');
    assert.ok(JSON.parse(missing.body).hint);
    const wrong = await t.call('getSnapshot', [], { authorization: `Bearer ${t.host.token.slice(0, -1)}x` });
    assert.equal(wrong.status, 401);
    const short = await t.call('getSnapshot', [], { authorization: 'Bearer x' });
    assert.equal(short.status, 401);
    assert.equal(t.service.calls.length, 0);
  });

  test('a page opened with ?token= is served without setting any cookie; a wrong token gets 401', async () => {
    const page = await rawRequest(t.host.port, 'GET', `/?token=${t.host.token}`, { host: t.hostHeader });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>COS Sync<\/title>/);
    assert.equal(page.headers['set-cookie'], undefined, 'a cookie would reach every port of 127.0.0.1');
    assert.equal(page.headers['referrer-policy'], 'no-referrer', 'the address with the token never leaks as a Referer');
    const badToken = await rawRequest(t.host.port, 'GET', '/?token=nope', { host: t.hostHeader });
    assert.equal(badToken.status, 401);
    assert.equal(badToken.headers['set-cookie'], undefined);
  });

  test('a request carrying the token as a cookie gets nothing, on any path (only the bearer header counts)', async () => {
    const callsBefore = t.service.calls.length;
    for (const cookie of [`cos_sync_token_${t.host.port}=${t.host.token}`, `token=${t.host.token}`, `cos_sync_token=${t.host.token}`]) {
      for (const target of ['/api/getSettings', '/api/getSnapshot', '/api/events']) {
        const method = target === '/api/events' ? 'GET' : 'POST';
        const response = await rawRequest(t.host.port, method, target, { host: t.hostHeader, 'content-type': 'application/json', cookie }, method === 'POST' ? '[]' : undefined);
        assert.equal(response.status, 401, `${cookie} → ${target}`);
        assert.doesNotMatch(response.body, /profiles|snapshot/);
      }
    }
    assert.equal(t.service.calls.length, callsBefore);
    assert.equal((await t.call('getSettings', [])).status, 200, 'the bearer header still works');
  });

  test('foreign Host headers (DNS rebinding) and cross-origin requests are refused', async () => {
    for (const host of ['evil.example:80', `evil.example:${t.host.port}`, '127.0.0.1:1', `0.0.0.0:${t.host.port}`, '']) {
      const response = await rawRequest(t.host.port, 'POST', '/api/getSnapshot', { ...t.auth, host, 'content-type': 'application/json' }, '[]');
      assert.equal(response.status, 421, host);
      const page = await rawRequest(t.host.port, 'GET', '/', { host });
      assert.equal(page.status, 421, host);
    }
    const local = await rawRequest(t.host.port, 'GET', '/', { host: `localhost:${t.host.port}` });
    assert.equal(local.status, 200);
    const crossOrigin = await t.call('pauseAll', [], { origin: 'https://evil.example' });
    assert.equal(crossOrigin.status, 403);
    assert.equal(JSON.parse(crossOrigin.body).code, 'CrossOrigin');
    const crossSite = await t.call('pauseAll', [], { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    const sameOrigin = await t.call('getSettings', [], { origin: `http://localhost:${t.host.port}` });
    assert.equal(sameOrigin.status, 200);
    assert.ok(!t.service.calls.some((call) => call.method === 'pauseAll'));
  });

  test('only contract methods are callable, by POST with JSON', async () => {
    for (const name of ['toString', '__proto__', 'constructor', 'on', 'receiveUploadBody', 'close', 'emit', 'nope']) {
      const response = await t.call(name, []);
      assert.equal(response.status, 404, name);
      assert.equal(JSON.parse(response.body).code, 'UnknownMethod');
    }
    const get = await rawRequest(t.host.port, 'GET', '/api/getSnapshot', t.auth);
    assert.equal(get.status, 405);
    const form = await t.call('getSnapshot', [], { 'content-type': 'text/plain' });
    assert.equal(form.status, 415);
    const settings = await t.call('getSettings', []);
    assert.equal(settings.status, 200);
    const body = JSON.parse(settings.body);
    assert.equal(body.result.profiles[1].hasSecretKey, true);
    assert.equal(body.result.profiles[1].secretKey, undefined);
    const empty = await rawRequest(t.host.port, 'POST', '/api/pauseAll', { ...t.auth, 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(empty.body), { result: null });
  });

  test('arguments are validated: bad shapes get 400 with code, message and hint and never reach the service', async () => {
    const callsBefore = t.service.calls.length;
    const cases: [string, unknown][] = [
      ['listFiles', {}],
      ['listFiles', [{ folderId: 'photos', offset: -1, limit: 10 }]],
      ['listFiles', [{ folderId: 'photos', offset: 0, limit: 5000 }]],
      ['listFiles', [{ folderId: 'photos', offset: 0, limit: 10, state: 'weird' }]],
      ['listFiles', [{ folderId: 'photos', offset: 0, limit: 10, extra: true }]],
      ['pauseFolder', []],
      ['pauseFolder', [42]],
      ['pauseFolder', ['photos', 'more']],
      ['confirmDeletes', ['photos', 'yes']],
      ['addFolder', [{ localPath: '' }]],
      ['testProfile', [{ kind: 'ftp', name: 'x' }]],
      ['testProfile', [{ kind: 'cos', name: 'x', secretId: 'a', region: 'r' }]],
      ['startUpload', [{ files: [], bucket: 'b', prefix: '', sse: 'AES256' }]],
      ['startUpload', [{ files: [{ name: 'a', size: 1.5 }], bucket: 'b', prefix: '', sse: 'AES256' }]],
      ['startUpload', [{ files: [{ name: 'a', size: 1 }], bucket: 'b', prefix: '', sse: 'rot13' }]],
      ['updateSettings', [{ general: { concurrency: 0 } }]],
      ['updateSettings', [{ upsertProfiles: [{ kind: 'cos', name: 'x', secretId: 'a', region: 'r', bucket: 'b', secretKey: '' }] }]],
    ];
    for (const [method, args] of cases) {
      const response = await t.call(method, args);
      assert.equal(response.status, 400, `${method} ${JSON.stringify(args)}`);
      const error = JSON.parse(response.body);
      assert.equal(error.code, 'BadArguments');
      assert.ok(error.message.startsWith(`${method}: `), error.message);
      assert.ok(error.hint);
    }
    const broken = await rawRequest(t.host.port, 'POST', '/api/listFiles', { ...t.auth, 'content-type': 'application/json' }, '[{');
    assert.equal(broken.status, 400);
    assert.equal(JSON.parse(broken.body).code, 'BadJson');
    assert.equal(t.service.calls.length, callsBefore);
    const good = await t.call('listFiles', [{ folderId: 'photos', offset: 990, limit: 50, search: 'IMG' }]);
    assert.equal(good.status, 200);
    const page = JSON.parse(good.body).result;
    assert.equal(page.total, 1000);
    assert.equal(page.rows.length, 10);
  });

  test('service errors keep their code and hint; unexpected ones become a generic 500', async () => {
    const missing = await t.call('pauseFolder', ['nope']);
    assert.equal(missing.status, 422);
    assert.deepEqual(JSON.parse(missing.body), { code: 'FolderNotFound', message: "There is no synced folder 'nope'.", hint: 'Reload the folder list.', retry: 'fatal' });
    const original = t.service.getEngineStatus;
    t.service.getEngineStatus = async () => {
      throw new Error('secret internals at /root/x');
    };
    const crash = await t.call('getEngineStatus', []);
    t.service.getEngineStatus = original;
    assert.equal(crash.status, 500);
    assert.doesNotMatch(crash.body, /secret internals/);
  });

  test('static files carry a strict CSP; dotfiles and paths outside the root are not served', async () => {
    const page = await rawRequest(t.host.port, 'GET', '/', { host: t.hostHeader });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), directive);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const script = await rawRequest(t.host.port, 'GET', '/assets/app.js', { host: t.hostHeader });
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.match(String(script.headers['cache-control']), /immutable/);
    for (const target of ['/.secret', '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/assets/%00', '/nothing.html']) {
      const response = await rawRequest(t.host.port, 'GET', target, { host: t.hostHeader });
      assert.equal(response.status, 404, target);
    }
  });

  test('server-sent events: a snapshot first, then service events; the stream needs the token', async () => {
    const denied = await rawRequest(t.host.port, 'GET', '/api/events', { host: t.hostHeader });
    assert.equal(denied.status, 401);
    const events: AppEvent[] = [];
    const request = httpRequest({ host: '127.0.0.1', port: t.host.port, path: '/api/events', headers: t.auth });
    const done = new Promise<void>((resolve, reject) => {
      request.on('response', (response) => {
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['content-type']), /^text\/event-stream/);
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').find((line) => line.startsWith('data: '));
            if (data) events.push(JSON.parse(data.slice(6)) as AppEvent);
            if (events.length === 1) t.service.emit({ type: 'throughput', sample: { at: 1, bytesPerSecond: 42 } });
            if (events.length === 2) {
              request.destroy();
              resolve();
            }
          }
        });
      });
      request.on('error', (error) => (events.length >= 2 ? resolve() : reject(error)));
    });
    request.end();
    await done;
    assert.equal(events[0]!.type, 'snapshot-changed');
    assert.deepEqual(events[1], { type: 'throughput', sample: { at: 1, bytesPerSecond: 42 } });
  });

  test('upload bodies stream through PUT /api/upload/<id>/<index> and report the confirmed encryption', async () => {
    const size = 3 * 1024 * 1024 + 17;
    const ticket = JSON.parse((await t.call('startUpload', [{ files: [{ name: 'a.bin', size }, { name: 'b.bin', size: 5 }], bucket: 'photos-1250000000', prefix: 'in', sse: 'AES256' }])).body).result;
    assert.deepEqual(ticket.keys, ['in/a.bin', 'in/b.bin']);
    assert.deepEqual(ticket.awaitingBody, [0, 1]);
    const events: AppEvent[] = [];
    const off = t.service.on((event) => events.push(event));
    const body = Buffer.alloc(size, 7);
    const put = await rawRequest(t.host.port, 'PUT', `/api/upload/${ticket.uploadId}/0`, { ...t.auth, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body);
    off();
    assert.equal(put.status, 200, put.body);
    const result = JSON.parse(put.body).result;
    assert.equal(result.ok, true);
    assert.equal(result.encryption.algorithm, 'AES256');
    assert.ok(events.filter((event) => event.type === 'upload-progress').length >= 2, 'progress arrives while the body streams');
    const short = await rawRequest(t.host.port, 'PUT', `/api/upload/${ticket.uploadId}/1`, { ...t.auth, 'content-length': '3' }, 'abc');
    assert.equal(JSON.parse(short.body).result.code, 'SizeMismatch');
    const unauthorized = await rawRequest(t.host.port, 'PUT', `/api/upload/${ticket.uploadId}/1`, { host: t.hostHeader, 'content-length': '5' }, 'abcde');
    assert.equal(unauthorized.status, 401);
    const chunked = await rawRequest(t.host.port, 'PUT', `/api/upload/${ticket.uploadId}/1`, { ...t.auth, 'transfer-encoding': 'chunked' }, 'abcde');
    assert.equal(chunked.status, 411);
    const unknown = await rawRequest(t.host.port, 'PUT', '/api/upload/nope/0', { ...t.auth, 'content-length': '1' }, 'a');
    assert.equal(unknown.status, 422);
    assert.equal(JSON.parse(unknown.body).code, 'UploadNotFound');
  });

  test('an event stream whose reader stopped reading is dropped instead of queueing every event in memory', async () => {
    const socket = connect(t.host.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`GET /api/events HTTP/1.1\r\nHost: ${t.hostHeader}\r\nAuthorization: ${t.auth.authorization}\r\n\r\n`);
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const path = 'x'.repeat(100_000);
    // 64 MB of events: far beyond the loopback socket buffers and the host's queue limit.
    for (let round = 0; round < 640; round++) {
      t.service.emit({ type: 'activity', entries: [{ id: round, at: round, folderId: null, action: 'uploaded', path, bytes: 1, error: null }] } as unknown as AppEvent);
      if (round % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    socket.resume();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open'), 30_000)));
    const outcome = await Promise.race([closed.then(() => 'closed'), late]);
    clearTimeout(timer);
    socket.destroy();
    assert.equal(outcome, 'closed');
  });

  test('close() ends open event streams and stops listening', async () => {
    const own = await startTestHost();
    const connected = new Promise<void>((resolve) => {
      httpRequest({ host: '127.0.0.1', port: own.host.port, path: '/api/events', headers: own.auth }, (response) => {
        response.resume();
        resolve();
      }).end();
    });
    await connected;
    assert.equal(own.service.listenerCount, 1);
    await own.close();
    assert.equal(own.service.listenerCount, 0);
    await assert.rejects(rawRequest(own.host.port, 'GET', '/', { host: own.hostHeader }));
  });
});

test('apiMethods lists every contract method exactly once', () => {
  assert.equal(new Set(apiMethods).size, apiMethods.length);
  assert.equal(apiMethods.length, 24);
});
