/** Crashes and outages against the real engine: kill -9 of the sync mid-multipart and mid-run, the engine stopped and restarted. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCountingProxy, type CountingProxy } from './countingProxy.ts';
import { BUCKET, CREDENTIALS, eventually, REGION, remoteDifference, startSync, startTestEngine, tempDir, testClient } from './engineSyncKit.ts';
import type { SyncChildConfig } from './syncChild.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_BIN = path.resolve(here, '../../core/cli/bin.js');
const MiB = 1024 * 1024;

/** A child process whose stdout lines are collected. */
interface Child {
  process: ChildProcess;
  lines: string[];
  stderr(): string;
  exited: Promise<number | string>;
  kill9(): Promise<void>;
}

function spawnChild(args: string[]): Child {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const children: Child[] = [];
const dirs: string[] = [];
after(async () => {
  for (const child of children) await child.kill9();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folderWith(files: Record<string, Buffer | string>): { base: string; root: string } {
  const base = tempDir('sync-crash');
  dirs.push(base);
  const root = path.join(base, 'folder');
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  mkdirSync(root, { recursive: true });
  return { base, root };
}

async function withTimeout<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('crash and outage recovery against the bundled engine', () => {
  test('kill -9 during a multipart upload; the restarted sync resumes the session and does not resend stored parts', async () => {
    const dataDir = tempDir('sync-crash-engine');
    dirs.push(dataDir);
    const engine = await startTestEngine(dataDir);
    let proxy: CountingProxy | undefined;
    try {
      proxy = await startCountingProxy(engine.endpoint);
      // 48 MiB in at least four parts (8 MiB, or larger after a slow round trip, but every one of the four workers gets
      // a part), four in flight. Parts 3 and up are held (read, never answered), so exactly parts 1 and 2 are stored
      // when the sync is killed.
      proxy.hold = (request) => Number(request.query.get('partNumber') ?? 0) >= 3;
      const { base, root } = folderWith({ 'video/big.bin': randomBytes(48 * MiB), 'small.txt': 'small' });
      const config: SyncChildConfig = { root, endpoint: proxy.endpoint, bucket: BUCKET, region: REGION, prefix: 'crash/', journalPath: path.join(base, 'journal.sqlite'), credentials: CREDENTIALS, once: true };
      const partsBefore = (child: Child): number[] => child.lines.map((line) => JSON.parse(line) as { part?: number }).flatMap((entry) => (entry.part === undefined ? [] : [entry.part]));

      const first = spawnChild([path.join(here, 'syncChild.ts'), JSON.stringify(config)]);
      children.push(first);
      await eventually('parts 1 and 2 stored', () => partsBefore(first).length >= 2, 30_000);
      await eventually('the held parts are in flight', () => proxy!.log.filter((entry) => Number(entry.query.get('partNumber') ?? 0) >= 3).length >= 2, 10_000);
      await delay(300);
      await first.kill9();
      const stored = partsBefore(first).sort();
      assert.deepEqual(stored, [1, 2], 'parts stored before the kill');

      proxy.hold = undefined;
      const second = spawnChild([path.join(here, 'syncChild.ts'), JSON.stringify(config)]);
      children.push(second);
      assert.equal(await withTimeout('the restarted sync', second.exited, 60_000), 0, second.stderr());
      assert.ok(second.lines.some((line) => line.includes('"done":true')));
      assert.ok(!second.lines.some((line) => line.includes('"session"')), 'no new multipart session: the stored one was resumed');

      const counts = proxy.partRequests();
      const session = first.lines.map((line) => JSON.parse(line) as { partSize?: number }).find((entry) => entry.partSize !== undefined);
      const partCount = Math.ceil((48 * MiB) / session!.partSize!);
      assert.ok(partCount >= 4, `${partCount} parts`);
      for (const part of stored) assert.equal(counts.get(part), 1, `part ${part} was stored before the kill and must not be sent again (sent ${counts.get(part)}×)`);
      for (let part = 1; part <= partCount; part++) assert.ok((counts.get(part) ?? 0) >= 1, `part ${part} was sent`);
      assert.equal(proxy.log.filter((entry) => entry.method === 'POST' && entry.query.has('uploads')).length, 1, 'one InitiateMultipartUpload in all');

      const client = testClient(engine.endpoint);
      try {
        assert.equal(await remoteDifference(client, root, 'crash/'), '');
      } finally {
        await client.close();
      }
    } finally {
      await proxy?.close();
      await engine.close();
    }
  });

  test('kill -9 of the CLI sync mid-run: the journal survives and unchanged files are not uploaded again', async () => {
    const dataDir = tempDir('sync-crash-engine');
    dirs.push(dataDir);
    const engine = await startTestEngine(dataDir);
    let proxy: CountingProxy | undefined;
    try {
      proxy = await startCountingProxy(engine.endpoint);
      const files: Record<string, Buffer> = {};
      for (let index = 0; index < 300; index++) files[`d${index % 5}/file-${index}.bin`] = randomBytes(2048);
      const { base, root } = folderWith(files);
      const journal = path.join(base, 'cli-journal.sqlite');
      const args = [CLI_BIN, 'sync', root, '--bucket', BUCKET, '--region', REGION, '--endpoint', proxy.endpoint, '--prefix', 'journal-crash', '--once', '--journal', journal, '--secret-id', CREDENTIALS.secretId, '--secret-key', CREDENTIALS.secretKey];
      const uploadedLines = (child: Child): string[] => child.lines.filter((line) => line.startsWith('uploaded')).map((line) => line.split(/\s+/)[1]!);
      const proxyRef = proxy;
      const okPuts = (): number => proxyRef.log.filter((entry) => entry.method === 'PUT' && entry.status === 200).length;

      const first = spawnChild(args);
      children.push(first);
      await eventually('100 files uploaded', () => okPuts() >= 100, 30_000, 5);
      proxy.hold = (request) => request.method === 'PUT';
      // The child prints a file once its upload is journaled: wait for that state (a fixed pause was too short on a busy machine).
      await eventually('the child journaled the confirmed uploads', () => uploadedLines(first).length >= 90, 30_000, 5);
      await first.kill9();
      const journaled = uploadedLines(first);
      assert.ok(journaled.length >= 90 && journaled.length < 300, `uploaded before the kill: ${journaled.length}`);

      proxy.hold = undefined;
      const second = spawnChild(args);
      children.push(second);
      assert.equal(await withTimeout('the restarted CLI sync', second.exited, 60_000), 0, second.stderr());
      const again = new Set(uploadedLines(second));
      const puts = proxy.putRequests();
      for (const file of journaled) {
        assert.ok(!again.has(file), `${file} was uploaded again`);
        assert.equal(puts.get(`/journal-crash/${file}`), 1, `${file}: PUT requests`);
      }
      assert.ok(again.size <= 300 - journaled.length, `the second run uploaded ${again.size} files`);

      const client = testClient(engine.endpoint);
      try {
        assert.equal(await remoteDifference(client, root, 'journal-crash/'), '');
      } finally {
        await client.close();
      }
    } finally {
      await proxy?.close();
      await engine.close();
    }
  });

  test('the engine is killed and restarted while syncing: the folder goes offline, recovers by itself and completes', async () => {
    const dataDir = tempDir('sync-crash-engine');
    dirs.push(dataDir);
    const engineArgs = (port: number): string[] => [CLI_BIN, 'engine', '--data', dataDir, '--port', String(port), '--bucket', BUCKET, '--secret-id', CREDENTIALS.secretId, '--secret-key', CREDENTIALS.secretKey];
    const startEngineChild = async (port: number): Promise<{ child: Child; port: number }> => {
      const child = spawnChild(engineArgs(port));
      children.push(child);
      let found: number | undefined;
      await eventually('the engine listens', () => {
        const line = child.lines.map((text) => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)).find(Boolean);
        if (line) found = Number(line[1]);
        return found !== undefined;
      }, 30_000);
      return { child, port: found! };
    };
    const first = await startEngineChild(0);
    const endpoint = `http://127.0.0.1:${first.port}`;
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < 120; index++) files[`batch/${index}.bin`] = randomBytes(32 * 1024);
    // 120 × 32 KiB at 1 MiB/s: about four seconds of uploads.
    const env = await startSync(endpoint, { files, manager: { bandwidthLimit: 1024 * 1024 } });
    try {
      await eventually('some files synced', () => env.files.filter((f) => f.state === 'synced').length >= 20, 30_000, 5);
      await first.child.kill9();
      await eventually('the folder is offline', () => env.loop.status.state === 'offline', 20_000);
      const syncedWhileDown = env.files.filter((f) => f.state === 'synced').length;
      assert.ok(syncedWhileDown < 120, 'the outage happened mid-sync');
      await delay(1000);
      await startEngineChild(first.port);
      await eventually('the folder recovers and completes', async () => env.loop.status.state === 'idle' && (await remoteDifference(env.client, env.root, env.prefix)) === '', 60_000, 200);
      assert.ok(env.statuses.some((s) => s.state === 'offline'));
      assert.equal(await remoteDifference(env.client, env.root, env.prefix), '');
    } finally {
      await env.close();
    }
  });
});
