/** Issue 10 in `serve`: broken, cut-off, duplicate and abandoned requests to the web host (real service, bundled engine) release every file and never end the process. */
import assert from 'node:assert/strict';
import { until } from '../until.ts';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAppService, type AppService } from '../../core/app/service.ts';
import type { SecretStore, SettingsStore, StoredSettings } from '../../core/app/settings.ts';
import { startWebHost, type WebHost } from '../../core/web/startWebHost.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { rawRequest } from './webHostClient.ts';

const STATIC_SIZE = 24 * 1024 * 1024;

function memorySettings(): SettingsStore {
  let value: Partial<StoredSettings> = {};
  return { read: () => structuredClone(value), write: (settings: StoredSettings) => void (value = structuredClone(settings)) };
}

function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return { get: async (name) => values.get(name), set: async (name, value) => void values.set(name, value), delete: async (name) => void values.delete(name) };
}

/** Sends `head` and `body` on a raw socket, then half-closes, resets or waits; resolves with the status line or 'closed'. */
function rawSend(port: number, head: string, body: Buffer, ending: 'end' | 'destroy' | 'wait' | 'read-then-destroy'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 20_000);
    socket.on('connect', () => {
      socket.write(head);
      socket.write(body, () => {
        if (ending === 'end') socket.end();
        if (ending === 'destroy') socket.resetAndDestroy();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (ending === 'read-then-destroy' || answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0] || 'closed');
    });
  });
}

describe('serve: broken and abandoned requests to the web host', () => {
  let root: string;
  let service: AppService;
  let host: WebHost;
  let auth: string;
  let bucket: string;
  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-serve-broken-'));
    const staticDir = path.join(root, 'static');
    mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>COS Sync</title>');
    writeFileSync(path.join(staticDir, 'assets', 'big.js'), Buffer.alloc(STATIC_SIZE, 0x20));
    service = await createAppService({ dataDir: path.join(root, 'data'), mode: 'headless', settings: memorySettings(), secrets: memorySecrets() });
    host = await startWebHost({ service, staticDir });
    bucket = (await service.getSettings()).profiles[0]!.bucket;
    auth = `Host: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${host.token}\r\n`;
  });
  after(async () => {
    await host.close();
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  const startUpload = async (sizes: number[]): Promise<string> => {
    const files = sizes.map((size, index) => ({ name: `f${index}.bin`, size }));
    const reply = await rawRequest(host.port, 'POST', '/api/startUpload', { host: `127.0.0.1:${host.port}`, authorization: `Bearer ${host.token}`, 'content-type': 'application/json' }, JSON.stringify([{ files, bucket, prefix: 'broken', sse: 'AES256' }]));
    assert.equal(reply.status, 200, reply.body);
    return (JSON.parse(reply.body) as { result: { uploadId: string } }).result.uploadId;
  };

  test('abandoned static downloads release their files', async () => {
    const baseline = (await readdir('/proc/self/fd')).length;
    const head = `GET /assets/big.js HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`;
    const answers = await Promise.all(Array.from({ length: 16 }, () => rawSend(host.port, head, Buffer.alloc(0), 'read-then-destroy')));
    for (const answer of answers) assert.match(answer, /^HTTP\/1\.1 200/);
    await until(async () => (await readdir('/proc/self/fd')).length <= baseline + 2, 'every static file descriptor is released');
  });

  test('cut, reset, oversized and duplicate upload bodies: each ends its own request, staging is emptied, the service keeps uploading', async () => {
    const size = 2 * 1024 * 1024;
    const uploadId = await startUpload(Array.from({ length: 12 }, () => size));
    const put = (index: number, length: number): string => `PUT /api/upload/${uploadId}/${index} HTTP/1.1\r\n${auth}Content-Length: ${length}\r\n\r\n`;
    const answers = await Promise.all([
      rawSend(host.port, put(0, size), randomBytes(size / 2), 'end'),
      rawSend(host.port, put(1, size), randomBytes(size / 2), 'destroy'),
      rawSend(host.port, put(2, size + 10), randomBytes(size + 10), 'wait'),
      rawSend(host.port, put(3, size), randomBytes(1000), 'end'),
      // The same file sent twice at once: one body is taken, the other refused; the stored object is one whole body.
      rawSend(host.port, put(4, size), Buffer.alloc(size, 4), 'wait'),
      rawSend(host.port, put(4, size), Buffer.alloc(size, 5), 'wait'),
      rawSend(host.port, put(5, size), randomBytes(size / 4), 'destroy'),
      rawSend(host.port, `PUT /api/upload/${uploadId}/6 HTTP/1.1\r\n${auth}Transfer-Encoding: chunked\r\n\r\n`, Buffer.from('zz\r\nhello\r\n0\r\n\r\n'), 'wait'),
      rawSend(host.port, `POST /api/getSnapshot HTTP/1.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n`, Buffer.alloc(2_000_000, 0x5b), 'wait'),
      rawSend(host.port, `POST /api/getSnapshot HTTP/1.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n`, Buffer.from('[['), 'end'),
      rawSend(host.port, `POST /api/getSnapshot HTTP/1.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n`, Buffer.alloc(500_000, 0x5b), 'wait'),
    ]);
    for (const answer of answers) assert.doesNotMatch(answer, /^HTTP\/1\.1 5/, answers.join(' | '));
    const statuses = answers.slice(4, 6).map((answer) => answer.split(' ')[1]);
    assert.deepEqual(statuses.toSorted(), ['200', '409'], `one duplicate body is refused: ${answers.join(' | ')}`);
    const credentials = JSON.parse(readFileSync(path.join(root, 'data', 'engine', 'credentials.json'), 'utf8')) as { secretId: string; secretKey: string };
    const client = new CosClient({ credentials, region: 'ap-guangzhou', endpoint: service.engineEndpoint! });
    try {
      const stored = await client.getObject(bucket, 'broken/f4.bin');
      const bytes = Buffer.concat(await stored.body.toArray() as Buffer[]);
      assert.equal(bytes.length, size);
      assert.ok(bytes.every((byte) => byte === bytes[0]), 'the stored object is one of the two bodies, whole');
    } finally {
      await client.close();
    }
    const stagingDir = path.join(root, 'data', 'staging');
    await until(() => readdirSync(stagingDir).length === 0, 'the staging folder is empty');
    const good = await startUpload([5]);
    const ok = await rawSend(host.port, `PUT /api/upload/${good}/0 HTTP/1.1\r\n${auth}Content-Length: 5\r\n\r\n`, Buffer.from('hello'), 'wait');
    assert.match(ok, /^HTTP\/1\.1 200/);
  });
});
