/** Test kit for sync against the real bundled engine: engine on port 0, real temp folder, chokidar, remote checks. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createCosRemoteStore } from '../../core/app/cosRemoteStore.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine, type EngineHandle } from '../../core/engine/startEngine.ts';
import { crc64File } from '../../core/protocol/crc64.ts';
import { type FolderConfig, MARKER_FILE } from '../../core/sync/folderConfig.ts';
import type { FolderLoop } from '../../core/sync/folderLoop.ts';
import { SyncManager, type SyncManagerOptions } from '../../core/sync/syncManager.ts';
import type { ActivityEvent, FileStatusEvent, FolderStatusEvent } from '../../core/sync/syncStatus.ts';
import { createChokidarWatcher } from '../../core/sync/watcherChokidar.ts';

/** The bucket every engine sync test uses. */
export const BUCKET = 'sync-1250000000';
/** Fixed test credentials (never real ones). */
export const CREDENTIALS = { secretId: 'AKIDsyncEngineTest000000000000000000', secretKey: 'syncEngineTestSecretKey000000000' };
/** Region of the test engine. */
export const REGION = 'ap-guangzhou';

/** A temp folder. */
export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `cos-sync-${label}-`));
}

/** Writes a file (creating parents). */
export function writeFile(root: string, relative: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), content);
}

/** Every regular file under `root`, relative with '/', except the marker and ignore files. */
export function localFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (relative !== MARKER_FILE) out.push(relative);
  }
  return out.sort();
}

/** Polls `probe` until it returns true (it may throw meanwhile); fails with `what` and the last error after `timeoutMs`. */
export async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await delay(stepMs);
  }
}

/** The engine on port 0 (or `port`) with the test bucket and credentials. */
export async function startTestEngine(dataDir: string, port = 0): Promise<EngineHandle> {
  return startEngine({ dataDir, port, credentials: CREDENTIALS, buckets: [BUCKET], region: REGION, backgroundRewrap: false });
}

/** A client for `endpoint` with short retries. */
export function testClient(endpoint: string): CosClient {
  return new CosClient({ credentials: CREDENTIALS, region: REGION, endpoint, retries: { attempts: 2, baseMs: 10, maxMs: 50 } });
}

/**
 * Checks the remote against the local folder: every object under `prefix` is SSE-COS (AES256 on HEAD) and its CRC-64
 * equals the local file's; the keys are exactly the local files plus `alsoRemote` (objects expected to stay, e.g.
 * kept after a local delete, with the CRC they must have). Returns a description of the first difference, or ''.
 */
export async function remoteDifference(client: CosClient, root: string, prefix: string, alsoRemote: Record<string, string> = {}): Promise<string> {
  const expected = new Map<string, string>();
  for (const file of localFiles(root)) expected.set(prefix + file, String(await crc64File(path.join(root, file))));
  for (const [relative, crc] of Object.entries(alsoRemote)) expected.set(prefix + relative, crc);
  const seen = new Set<string>();
  for await (const entry of client.listAllObjects(BUCKET, { prefix })) {
    seen.add(entry.key);
    if (!expected.has(entry.key)) return `extra remote object ${entry.key}`;
  }
  for (const key of expected.keys()) if (!seen.has(key)) return `missing remote object ${key}`;
  for (const [key, crc] of expected) {
    const head = await client.headObject(BUCKET, key);
    if (head.encryption.algorithm !== 'AES256') return `${key} is not SSE-COS (${JSON.stringify(head.encryption)})`;
    if (head.crc64 !== crc) return `${key} has CRC-64 ${head.crc64}, local ${crc}`;
  }
  return '';
}

/** Waits until {@link remoteDifference} is empty and the loop is idle, then asserts it once more. */
export async function waitRemoteMatches(env: SyncEnv, alsoRemote: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
  let difference = 'not checked';
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    difference = await remoteDifference(env.client, env.root, env.prefix, alsoRemote).catch((error: Error) => `check failed: ${error.message}`);
    if (difference === '' && env.loop.status.state === 'idle') break;
    await delay(100);
  }
  await env.manager.whenIdle();
  assert.equal(await remoteDifference(env.client, env.root, env.prefix, alsoRemote), '', `remote does not match the folder (last: ${difference})`);
}

/** One folder pair against a running engine. */
export interface SyncEnv {
  root: string;
  prefix: string;
  journalPath: string;
  client: CosClient;
  manager: SyncManager;
  loop: FolderLoop;
  statuses: FolderStatusEvent[];
  files: FileStatusEvent[];
  activity: ActivityEvent[];
  close(): Promise<void>;
}

/** Starts a SyncManager (chokidar, journal file, createCosRemoteStore) for a fresh temp folder filled with `files`. */
export async function startSync(endpoint: string, options: { files?: Record<string, string | Buffer>; config?: Partial<FolderConfig>; manager?: Partial<SyncManagerOptions>; prefix?: string } = {}): Promise<SyncEnv> {
  const base = tempDir('sync-engine');
  const root = path.join(base, 'folder');
  mkdirSync(root);
  for (const [relative, content] of Object.entries(options.files ?? {})) writeFile(root, relative, content);
  const prefix = options.prefix ?? `p${Math.random().toString(36).slice(2, 8)}/`;
  const client = testClient(endpoint);
  const journalPath = path.join(base, 'journal.sqlite');
  const manager = new SyncManager({
    journalPath,
    crc64File: async (file, signal) => String(await crc64File(file, signal)),
    createWatcher: createChokidarWatcher,
    createRemoteStore: (folder) => createCosRemoteStore({ client: () => client, bucket: folder.bucket, sse: { mode: 'AES256' } }),
    loopOptions: { hotFileDelayMs: 100, maxDelayMs: 5000, probeBaseMs: 200, probeMaxMs: 1000, verifyIntervalMs: 20 },
    ...options.manager,
  });
  const statuses: FolderStatusEvent[] = [];
  const files: FileStatusEvent[] = [];
  manager.on('folder-status', (event) => statuses.push(event));
  const activity: ActivityEvent[] = [];
  manager.on('file-status', (event) => files.push(event));
  manager.on('activity', (event) => activity.push(event));
  const loop = await manager.addFolder({ id: 'pair', localPath: root, profile: 'engine', bucket: BUCKET, prefix, debounceMs: 50, ...options.config });
  await manager.start();
  return {
    root,
    prefix,
    journalPath,
    client,
    manager,
    loop,
    statuses,
    files,
    activity,
    async close() {
      await manager.dispose();
      await client.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
