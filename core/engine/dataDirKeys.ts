/** Key operations on an engine data directory, whether or not an engine holds it: through its admin channel, or opened directly. */
import { CosSyncError, hasCode } from '../common/errors.ts';
import { AdminClient, type KeyOperations } from './admin/adminClient.ts';
import { readAdminAddress } from './admin/adminFile.ts';
import type { KeyVersionStatus, RewrapOptions, RewrapResult } from './keys/keyService.ts';
import { assertEngineData, openKeyService } from './keys/offlineKeys.ts';
import { acquireEngineLock } from './storage/engineLock.ts';

/** {@link KeyOperations} on one data directory; `live` says whether a running engine does the work. Close it after use. */
export interface DataDirKeys extends KeyOperations {
  readonly live: boolean;
  close(): Promise<void>;
}

/**
 * Opens `dataDir` for key operations. When no engine holds it, takes the engine lock (an engine started meanwhile
 * waits its turn: it reports `EngineAlreadyRunning`) and opens keyring and index directly. When an engine holds it,
 * every operation goes through that engine's admin channel, so reads and writes go on and the engine's own key
 * state stays the only one. Throws `NotEngineData`, or `AdminUnreachable` for a running engine without a channel.
 */
export async function openDataDirKeys(dataDir: string): Promise<DataDirKeys> {
  let release: (() => Promise<void>) | undefined;
  try {
    await assertEngineData(dataDir);
    release = await acquireEngineLock(dataDir);
  } catch (error) {
    if (!hasCode(error, 'EngineAlreadyRunning')) throw error;
  }
  if (release) {
    let opened;
    try {
      opened = await openKeyService(dataDir);
    } catch (error) {
      await release();
      throw error;
    }
    const { service, close } = opened;
    const unlock = release;
    return {
      live: false,
      status: () => service.status(),
      rotate: (keyId?: string) => service.rotate(keyId),
      retire: (version: number, keyId?: string) => service.retire(version, keyId),
      async rewrap(options: RewrapOptions = {}): Promise<RewrapResult & { interrupted?: boolean }> {
        const result = await service.rewrap(options);
        return { ...result, interrupted: options.signal?.aborted === true };
      },
      async close() {
        close();
        await unlock();
      },
    };
  }
  const address = await readAdminAddress(dataDir);
  if (!address) {
    throw new CosSyncError('AdminUnreachable', `An engine is running on ${dataDir} but offers no admin channel (no admin.json).`, {
      hint: 'Restart that engine with this version of cos-sync, or stop it and run the command again.',
    });
  }
  const client = new AdminClient(address);
  return {
    live: true,
    status: (): Promise<KeyVersionStatus[]> => client.status(),
    rotate: (keyId?: string) => client.rotate(keyId),
    retire: (version: number, keyId?: string) => client.retire(version, keyId),
    rewrap: (options?: RewrapOptions) => client.rewrap(options),
    close: async () => {},
  };
}
