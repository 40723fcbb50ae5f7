/** Stored app settings: the schema shared by electron-store and conf, defaults, views and patches. */
import { randomUUID } from 'node:crypto';
import type { AppErrorInfo, AppSettings, FolderSnapshot, GeneralSettings, ProfileInput, ProfileView, SecretStorageInfo, SettingsPatch } from './contract.ts';
import { DEFAULT_RETENTION_DAYS } from './versionRetention.ts';

/** A connection profile as stored; the SecretKey is never here (it lives in a {@link SecretStore}). */
export type StoredProfile =
  | { kind: 'engine'; id: string; name: string; bucket: string }
  | { kind: 'cos'; id: string; name: string; secretId: string; region: string; bucket: string; endpoint: string | null; caFile?: string | null };

/** A synced folder as stored. */
export type StoredFolder = Pick<FolderSnapshot, 'id' | 'localPath' | 'profileId' | 'bucket' | 'prefix' | 'deletePolicy'> & { paused: boolean };

/** Everything persisted in the settings file. */
export interface StoredSettings {
  profiles: StoredProfile[];
  defaultProfileId: string | null;
  folders: StoredFolder[];
  general: GeneralSettings;
  /** True once the zero-setup first run (engine profile + default folder) has been done. */
  initialized: boolean;
}

/** Something a store met that the user must hear about (a damaged file kept aside, an unsafe backend), and when. */
export type StoreProblem = AppErrorInfo & { at: number };

/** Where settings are read from and written to (electron-store on the desktop, conf headless). */
export interface SettingsStore {
  read(): Partial<StoredSettings>;
  write(settings: StoredSettings): void;
  /** What went wrong opening the store (shown with the app's errors); none when absent. */
  problems?(): StoreProblem[];
}

/** Where secrets live: safeStorage (OS keychain) on the desktop; a 0600 file headless. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** What went wrong reading the store (shown with the app's errors); none when absent. */
  problems?(): StoreProblem[];
  /** Where the secrets are kept (shown in Settings). */
  storage?(): SecretStorageInfo;
  /** The names of the stored secrets (to move them to another store). */
  names?(): Promise<string[]>;
}

/** Name of the secret holding a profile's SecretKey. */
export const secretKeyName = (profileId: string): string => `profile.${profileId}.secretKey`;

/** The bucket the bundled engine serves by default. */
export const engineBucket = 'local-1250000000';

/** Default general settings. */
export const defaultGeneral: GeneralSettings = {
  concurrency: 4, bandwidthLimit: null, excludes: [], deleteConfirmThreshold: 100, startAtLogin: false, versionRetentionDays: DEFAULT_RETENTION_DAYS,
};

/** JSON schema of {@link StoredSettings} (electron-store and conf validate with it). */
export const settingsSchema = {
  profiles: { type: 'array', default: [], items: { type: 'object', required: ['kind', 'id', 'name', 'bucket'] } },
  defaultProfileId: { type: ['string', 'null'], default: null },
  folders: { type: 'array', default: [], items: { type: 'object', required: ['id', 'localPath', 'profileId', 'bucket', 'prefix'] } },
  general: {
    type: 'object',
    default: defaultGeneral,
    properties: {
      concurrency: { type: 'integer', minimum: 1, maximum: 32 },
      bandwidthLimit: { type: ['integer', 'null'], minimum: 1 },
      excludes: { type: 'array', items: { type: 'string' } },
      deleteConfirmThreshold: { type: 'integer', minimum: 0 },
      startAtLogin: { type: 'boolean' },
      versionRetentionDays: { type: ['integer', 'null'], minimum: 1, maximum: 3650 },
    },
  },
  initialized: { type: 'boolean', default: false },
  secrets: { type: 'object', default: {} },
} as const;

/** Fills in defaults for anything missing. */
export function normaliseSettings(stored: Partial<StoredSettings>): StoredSettings {
  return {
    profiles: stored.profiles ?? [],
    defaultProfileId: stored.defaultProfileId ?? null,
    folders: stored.folders ?? [],
    general: { ...defaultGeneral, ...stored.general },
    initialized: stored.initialized ?? false,
  };
}

/** The settings view: profiles without secrets, `hasSecretKey` instead. */
export async function settingsView(settings: StoredSettings, secrets: SecretStore, engineEndpoint: string | null): Promise<AppSettings> {
  const profiles: ProfileView[] = [];
  for (const profile of settings.profiles) {
    profiles.push(
      profile.kind === 'engine'
        ? { ...profile, endpoint: engineEndpoint }
        : { ...profile, hasSecretKey: (await secrets.get(secretKeyName(profile.id))) !== undefined },
    );
  }
  return { profiles, defaultProfileId: settings.defaultProfileId, general: settings.general, secretStorage: secrets.storage?.() ?? null };
}

/** Turns a profile input into a stored profile (new id when it has none) and the secret to store, if any. */
export function storedProfile(input: ProfileInput): { profile: StoredProfile; secretKey?: string } {
  const id = input.id ?? randomUUID();
  if (input.kind === 'engine') return { profile: { kind: 'engine', id, name: input.name, bucket: input.bucket } };
  const profile: StoredProfile = {
    kind: 'cos', id, name: input.name, secretId: input.secretId, region: input.region, bucket: input.bucket, endpoint: input.endpoint ?? null, ...(input.caFile ? { caFile: input.caFile } : {}),
  };
  return input.secretKey === undefined ? { profile } : { profile, secretKey: input.secretKey };
}

/** Applies a patch; returns the new settings and the secrets to write or delete. */
export function applySettingsPatch(settings: StoredSettings, patch: SettingsPatch): { settings: StoredSettings; secrets: Map<string, string | null> } {
  const secrets = new Map<string, string | null>();
  let profiles = [...settings.profiles];
  for (const input of patch.upsertProfiles ?? []) {
    const { profile, secretKey } = storedProfile(input);
    const index = profiles.findIndex((existing) => existing.id === profile.id);
    if (index === -1) profiles.push(profile);
    else profiles[index] = profile;
    if (secretKey !== undefined) secrets.set(secretKeyName(profile.id), secretKey);
  }
  for (const id of patch.removeProfiles ?? []) {
    profiles = profiles.filter((profile) => profile.id !== id);
    secrets.set(secretKeyName(id), null);
  }
  let defaultProfileId = patch.defaultProfileId === undefined ? settings.defaultProfileId : patch.defaultProfileId;
  if (defaultProfileId !== null && !profiles.some((profile) => profile.id === defaultProfileId)) defaultProfileId = profiles[0]?.id ?? null;
  return { settings: { ...settings, profiles, defaultProfileId, general: { ...settings.general, ...patch.general } }, secrets };
}
