/** One COS client per connection profile: the bundled engine's or real COS with the SecretKey from the secret store. */
import { createHash } from 'node:crypto';
import { CosSyncError } from '../common/errors.ts';
import { CosClient } from '../cos/cosClient.ts';
import type { EngineHandle } from '../engine/startEngine.ts';
import { secretKeyName, type SecretStore, type StoredProfile } from './settings.ts';
import { trustedCertificates } from './trustedCertificates.ts';

interface Entry {
  fingerprint: string;
  client: CosClient | undefined;
  problem: CosSyncError | undefined;
}

/** Builds a client for a profile (trusting `ca` for its endpoint when given), or explains why it cannot. */
export function clientForProfile(profile: StoredProfile, secretKey: string | undefined, engine: EngineHandle | undefined, ca?: string): CosClient | CosSyncError {
  if (profile.kind === 'engine') {
    if (!engine) return new CosSyncError('EngineNotRunning', 'The bundled engine is not running.', { retry: 'offline', hint: 'Restart COS Sync; see the engine status for the reason.' });
    return new CosClient({ credentials: engine.credentials, region: engine.region, endpoint: engine.endpoint });
  }
  if (!secretKey) {
    return new CosSyncError('MissingSecretKey', `The account "${profile.name}" has no SecretKey.`, { retry: 'auth', hint: 'Open the settings and enter the SecretKey for this account.' });
  }
  return new CosClient({ credentials: { secretId: profile.secretId, secretKey }, region: profile.region, ...(profile.endpoint ? { endpoint: profile.endpoint } : {}), ...(ca ? { ca } : {}) });
}

/** Keeps a client per profile, rebuilt only when the profile or its secret changes. */
export class ProfileClients {
  readonly #secrets: SecretStore;
  readonly #engine: () => EngineHandle | undefined;
  readonly #defaultCaFile: string | undefined;
  #entries = new Map<string, Entry>();

  /** `defaultCaFile`: PEM certificates trusted for accounts that name no CA file of their own (`--ca-file`). */
  constructor(secrets: SecretStore, engine: () => EngineHandle | undefined, defaultCaFile?: string) {
    this.#secrets = secrets;
    this.#engine = engine;
    this.#defaultCaFile = defaultCaFile;
  }

  /** Brings the clients in line with `profiles`, closing those of removed or changed profiles. */
  async refresh(profiles: readonly StoredProfile[]): Promise<void> {
    const next = new Map<string, Entry>();
    for (const profile of profiles) {
      const secretKey = profile.kind === 'cos' ? await this.#secrets.get(secretKeyName(profile.id)) : undefined;
      let ca: string | undefined;
      let caProblem: CosSyncError | undefined;
      try {
        ca = profile.kind === 'cos' ? trustedCertificates(profile.caFile, this.#defaultCaFile) : undefined;
      } catch (error) {
        caProblem = error as CosSyncError;
      }
      const fingerprint = JSON.stringify([profile, secretKey === undefined ? null : createHash('sha256').update(secretKey).digest('hex'), this.#engine()?.endpoint, ca ?? caProblem?.code ?? null]);
      const existing = this.#entries.get(profile.id);
      if (existing && existing.fingerprint === fingerprint) {
        next.set(profile.id, existing);
        continue;
      }
      const built = caProblem ?? clientForProfile(profile, secretKey, this.#engine(), ca);
      next.set(profile.id, built instanceof CosClient ? { fingerprint, client: built, problem: undefined } : { fingerprint, client: undefined, problem: built });
    }
    for (const [id, entry] of this.#entries) if (next.get(id) !== entry) void entry.client?.close();
    this.#entries = next;
  }

  /** The client of a profile; throws a CosSyncError with a fix hint when there is none. */
  client(profileId: string): CosClient {
    const entry = this.#entries.get(profileId);
    if (!entry) throw new CosSyncError('NoSuchProfile', `There is no account with id ${profileId}.`, { retry: 'auth', hint: 'Choose an existing account in the settings.' });
    if (!entry.client) throw entry.problem!;
    return entry.client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((entry) => entry.client?.close()));
    this.#entries.clear();
  }
}
