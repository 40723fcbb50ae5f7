/** `engine` and `serve` on --port 0 (two of each at once), --host, the plain-HTTP refusal beyond loopback, and usage errors that exit 2 at once. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, spawnEngine, type EngineChild } from '../engine-peers/spawnEngine.ts';
import { startCli, startServe, type ServeProcess } from '../e2e/realServe.ts';

/** GET `url` and resolve with the status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    }).on('error', reject).end();
  });
}

describe('listening commands', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cos-sync-listen-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('two engines started at once on --port 0 get different ports and both serve', async () => {
    const engines: EngineChild[] = await Promise.all([spawnEngine(path.join(root, 'engine-a')), spawnEngine(path.join(root, 'engine-b'))]);
    try {
      assert.notEqual(engines[0]!.port, engines[1]!.port);
      for (const engine of engines) {
        assert.ok(engine.port > 0);
        const answer = await get(`http://127.0.0.1:${engine.port}/`);
        assert.equal(answer.status, 403, 'an anonymous service GET is refused with a COS error');
        assert.match(answer.text, /<Error><Code>AccessDenied<\/Code>/);
      }
    } finally {
      await Promise.all(engines.map((engine) => engine.stop()));
    }
    for (const engine of engines) assert.equal(await engine.exited, 0);
  });

  test('two serve processes started at once on --port 0 print their real UI addresses and both answer', async () => {
    const serves: ServeProcess[] = await Promise.all([1, 2].map(() => startServe({ root, noDefaultFolder: true, args: ['--port', '0', '--host', '127.0.0.1'] })));
    try {
      const ports = serves.map((serve) => Number(new URL(serve.origin).port));
      assert.ok(ports.every((port) => port > 0));
      assert.notEqual(ports[0], ports[1]);
      for (const serve of serves) {
        const answer = await get(`${serve.origin}/api/events`, { authorization: 'Bearer wrong' });
        assert.equal(answer.status, 401);
        assert.equal((await serve.call('getSettings')).profiles.length > 0, true);
      }
    } finally {
      await Promise.all(serves.map((serve) => serve.close()));
    }
  });

  test('serve --tls serves the UI over HTTPS with a self-signed certificate and prints its fingerprint', async () => {
    const dataDir = path.join(root, 'serve-tls');
    mkdirSync(path.join(root, 'serve-tls-home'), { recursive: true });
    const { child, match } = await startCli(['serve', '--data', dataDir, '--no-default-folder', '--port', '0', '--tls'], {
      ready: /COS Sync UI at (https:\/\/127\.0\.0\.1:(\d+))\/\?token=/, env: { HOME: path.join(root, 'serve-tls-home') }, timeoutMs: 90_000, label: 'serve --tls',
    });
    try {
      const ca = readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
      assert.match(child.output(), new RegExp(`SHA-256 fingerprint ${new X509Certificate(ca).fingerprint256}`));
      const status = await new Promise<number>((resolve, reject) => {
        httpsRequest(`${match[1]}/api/events`, { ca, headers: { authorization: 'Bearer wrong' } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(status, 401, 'the UI answers over verified TLS');
    } finally {
      await child.stop();
    }
  });

  test('plain HTTP beyond loopback is refused naming --tls (exit 2, nothing started)', async () => {
    for (const args of [['engine', '--data', path.join(root, 'refused'), '--host', '0.0.0.0', '--port', '0'], ['serve', '--data', path.join(root, 'refused-serve'), '--host', '0.0.0.0', '--port', '0']]) {
      const run = await runCli(args, 30_000);
      assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, /--tls/);
      assert.match(run.stderr, /--insecure-http/);
    }
  });

  test('--insecure-http binds a non-loopback address with a warning', async () => {
    const dataDir = path.join(root, 'insecure');
    const engine = await spawnEngine(dataDir, 30_000, ['--host', '0.0.0.0', '--insecure-http']);
    try {
      assert.match(engine.stderr(), /Warning: serving plain HTTP on 0\.0\.0\.0/);
      assert.equal((await get(`http://127.0.0.1:${engine.port}/`)).status, 403);
    } finally {
      await engine.stop();
    }
  });

  test('usage errors end the process at once with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--port', 'abc'], /--port must be a port number/],
      [['serve', '--port', '70000'], /--port must be a port number/],
      [['serve', '--engine-port', '-1'], /engine-port/],
      [['serve', '--bogus'], /Unknown option '--bogus'/],
      [['engine', '--data', path.join(root, 'usage'), '--port', '65536'], /--port must be a port number/],
      [['engine', '--data', path.join(root, 'usage'), '--host', 'a b'], /--host must be a host name/],
      [['engine', '--data', path.join(root, 'usage'), '--rotate-every', '0'], /--rotate-every must be a number of days/],
      [['keys', 'rewrap', '--data', path.join(root, 'usage'), '--batch-size', 'x'], /--batch-size must be/],
      [['engine', '--data', path.join(root, 'usage'), '--tls-cert', path.join(root, 'missing.pem'), '--tls-key', path.join(root, 'missing.pem')], /--tls-cert .*cannot be read/],
      [['engine', '--data', path.join(root, 'usage'), '--tls', '--tls-cert', 'a', '--tls-key', 'b'], /either --tls/],
      [['upload', 'x', '--bucket', 'b-1250000000', '--region', 'ap-guangzhou', '--secret-id', 'a', '--secret-key', 'b', '--ca-file', path.join(root, 'missing.pem')], /--ca-file: The CA file/],
    ];
    for (const [args, message] of cases) {
      // The bound only catches a hang; on a loaded machine a Node start alone can take seconds.
      const run = await runCli(args, 90_000);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});
