/** Key commands over a data directory while the engine is stopped (status also works beside a running engine: WAL readers). */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../../common/errors.ts';
import { Keyring } from '../../crypto/index.ts';
import { EngineIndex } from '../storage/engineIndex.ts';
import { assertEngineStopped } from '../storage/engineLock.ts';
import { KeyService, type KeyVersionStatus, type RewrapResult } from './keyService.ts';

/** Throws `NotEngineData` unless `dataDir` holds an engine's keyring and index (checked without opening either). */
export async function assertEngineData(dataDir: string): Promise<void> {
  try {
    await access(path.join(dataDir, 'keys', 'keyring.json'));
    await access(path.join(dataDir, 'index.sqlite'));
  } catch {
    throw new CosSyncError('NotEngineData', `${dataDir} is not an engine data directory (no keys/keyring.json or index.sqlite).`, {
      hint: 'Pass the --data directory the engine runs with.',
    });
  }
}

/**
 * Opens the keyring and index of an engine data directory for key work without a running engine (the caller makes
 * sure none runs, or only reads). Throws `NotEngineData` when `dataDir` is not one. `close` closes the index.
 */
export async function openKeyService(dataDir: string, readOnly = false): Promise<{ service: KeyService; close(): void }> {
  await assertEngineData(dataDir);
  const keyring = await Keyring.open(path.join(dataDir, 'keys'));
  let index: EngineIndex;
  try {
    index = new EngineIndex(path.join(dataDir, 'index.sqlite'), { readOnly });
  } catch {
    // A read-only open can fail when the WAL files are missing and cannot be created; fall back to a normal open.
    index = new EngineIndex(path.join(dataDir, 'index.sqlite'));
  }
  return { service: new KeyService(index, keyring), close: () => index.close() };
}

async function openService<T>(dataDir: string, work: (service: KeyService) => Promise<T>, readOnly = false): Promise<T> {
  const opened = await openKeyService(dataDir, readOnly);
  try {
    return await work(opened.service);
  } finally {
    opened.close();
  }
}

/** Every master key version of the engine in `dataDir` with state, creation date and how much it still seals. */
export function keyStatus(dataDir: string): Promise<KeyVersionStatus[]> {
  return openService(dataDir, (service) => service.status(), true);
}

/** Rotates a master key (default SSE-COS) of a stopped engine; throws `EngineRunning` beside a live engine. */
export async function rotateKey(dataDir: string, keyId?: string): Promise<{ keyId: string; version: number }> {
  await assertEngineStopped(dataDir);
  return openService(dataDir, (service) => service.rotate(keyId));
}

/** Runs the rewrap sweep on a stopped engine's data (resumable; safe to kill and re-run). */
export async function rewrapKeys(dataDir: string, batchSize?: number): Promise<RewrapResult> {
  await assertEngineStopped(dataDir);
  return openService(dataDir, (service) => service.rewrap({ batchSize }));
}

/** Deletes a drained, non-active master key version of a stopped engine (throws `KeyInUse` while anything refers to it). */
export async function retireKey(dataDir: string, version: number, keyId?: string): Promise<void> {
  await assertEngineStopped(dataDir);
  return openService(dataDir, (service) => service.retire(version, keyId));
}
