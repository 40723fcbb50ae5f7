/** Runs the bundled engine for the app and reports its status (keys, rotation progress) in contract terms. */
import path from 'node:path';
import { describeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { startEngine, type EngineHandle } from '../engine/startEngine.ts';
import type { EngineStatus } from './contract.ts';
import { engineBucket } from './settings.ts';

/** The bundled engine as the app sees it. */
export interface EngineHost {
  readonly handle: EngineHandle | undefined;
  status(): Promise<EngineStatus>;
  /** New active master key, then a background re-seal of older data keys. */
  rotate(): Promise<EngineStatus>;
  close(): Promise<void>;
}

/** Options of {@link startEngineHost}. */
export interface EngineHostOptions {
  dataDir: string;
  port?: number;
  logger?: Logger;
  /** Called when the status changes (rotation progress, errors). */
  onChange?(status: EngineStatus): void;
}

/** Starts the engine in `<dataDir>/engine`; a failure to start becomes an `error` status instead of a throw. */
export async function startEngineHost(options: EngineHostOptions): Promise<EngineHost> {
  let handle: EngineHandle | undefined;
  let failure: { code: string; message: string; hint?: string } | undefined;
  // The sweep's progress comes from the engine, so a rewrap started by `cos-sync keys` shows here too.
  const rotation = (): { resealed: number; total: number } | null => {
    const progress = handle?.keys.rewrapProgress();
    return progress ? { resealed: progress.rewrapped + progress.failed, total: progress.total } : null;
  };
  try {
    handle = await startEngine({
      dataDir: path.join(options.dataDir, 'engine'),
      port: options.port ?? 0,
      buckets: [engineBucket],
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (error) {
    failure = {
      code: (error as { code?: string }).code ?? 'EngineFailed',
      message: `The bundled engine could not start: ${describeError(error)}`,
      hint: 'Another COS Sync may be running with the same data folder; quit it or choose another --data folder.',
    };
  }

  // Counting what each key version seals reads every stored object's row; snapshots ask several times a second.
  let cached: { at: number; status: EngineStatus } | undefined;
  const status = async (): Promise<EngineStatus> => {
    if (cached && Date.now() - cached.at < 2000) return { ...cached.status, rotation: rotation() };
    cached = { at: Date.now(), status: await computeStatus() };
    return cached.status;
  };
  const computeStatus = async (): Promise<EngineStatus> => {
    if (!handle) {
      return { state: 'error', endpoint: null, activeKeyVersion: null, keys: [], objects: 0, bytes: 0, noncurrentVersions: 0, noncurrentBytes: 0, rotation: null, ...(failure ? { error: failure } : {}) };
    }
    const versions = (await handle.keys.status()).filter((version) => version.keyId === 'sse-cos');
    const active = versions.find((version) => version.state === 'active');
    return {
      state: 'running',
      endpoint: handle.endpoint,
      activeKeyVersion: active?.version ?? null,
      keys: versions.map((version) => ({ version: version.version, createdAt: Date.parse(version.createdAt), objects: version.objects, active: version.state === 'active' })),
      ...handle.stats(),
      rotation: rotation(),
    };
  };

  return {
    get handle() {
      return handle;
    },
    status,
    async rotate() {
      if (!handle) return status();
      // The same operation as `cos-sync keys rotate --rewrap`: a new active version, then the sweep, in the engine.
      const running = handle;
      await running.keys.rotate();
      cached = undefined;
      let lastEmit = 0;
      void running.keys
        .rewrap({
          onProgress: () => {
            if (Date.now() - lastEmit < 500) return;
            lastEmit = Date.now();
            void status().then((current) => options.onChange?.(current));
          },
        })
        .then(async (result) => {
          cached = undefined;
          options.onChange?.(await status());
          options.logger?.log('info', 'engine keys re-sealed', { rewrapped: result.rewrapped, remaining: result.remaining });
        })
        .catch((error: unknown) => {
          options.logger?.log('error', 'engine re-seal failed', { error: describeError(error) });
        });
      const current = await status();
      options.onChange?.(current);
      return current;
    },
    async close() {
      await handle?.close();
    },
  };
}
