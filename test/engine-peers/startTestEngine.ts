/** Starts the bundled engine in-process on port 0 in a fresh temp data dir, for peer tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEngine } from '../../core/engine/startEngine.ts';
import type { CosTarget } from './cosRequest.ts';

/** The bucket every peer test uses (cos-api.md examples). */
export const TEST_BUCKET = 'test-1250000000';
/** The region every peer test uses. */
export const TEST_REGION = 'ap-guangzhou';
/** Fixed test credentials (never real ones). */
export const TEST_CREDENTIALS = { secretId: 'AKIDpeerTestSecretId0000000000000000', secretKey: 'peerTestSecretKey000000000000000' };

/** A running engine, its data dir and a {@link CosTarget} for {@link cosRequest}. */
export interface TestEngine {
  engine: Awaited<ReturnType<typeof startEngine>>;
  dataDir: string;
  port: number;
  target: CosTarget;
  /** Stops the engine (idempotent); with `keepData` the data dir stays for a restart. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Makes a temp dir with a recognisable prefix. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `cos-sync-${label}-`));
}

/**
 * Starts the engine on 127.0.0.1:0 with {@link TEST_BUCKET}; pass `dataDir` to reopen an existing one, and
 * `backgroundRewrap: false` to keep the start-up rewrap sweep from running (rotation tests), `inlineMax` to move the
 * size up to which objects are kept in the index.
 */
export async function startTestEngine(options: { dataDir?: string; backgroundRewrap?: boolean; adminChannel?: 'socket' | 'tcp'; inlineMax?: number } = {}): Promise<TestEngine> {
  const dataDir = options.dataDir ?? (await makeTempDir('engine'));
  const engine = await startEngine({
    dataDir, port: 0, host: '127.0.0.1', region: TEST_REGION, credentials: TEST_CREDENTIALS, buckets: [TEST_BUCKET], backgroundRewrap: options.backgroundRewrap,
    ...(options.adminChannel ? { adminChannel: options.adminChannel } : {}), ...(options.inlineMax !== undefined ? { inlineMax: options.inlineMax } : {}),
  });
  let closed = false;
  return {
    engine,
    dataDir,
    port: engine.port,
    target: { port: engine.port, bucket: TEST_BUCKET, region: TEST_REGION, ...TEST_CREDENTIALS },
    async close(closeOptions = {}) {
      if (!closed) {
        closed = true;
        await engine.close();
      }
      if (!closeOptions.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
