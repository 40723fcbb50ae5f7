/** The core's public surface for the Electron shell: the app service, settings schema and the contract's validation. */
export { createAppService, type AppService, type AppServiceOptions } from './app/service.ts';
export { settingsSchema, type SecretStore, type SettingsStore, type StoredSettings, type StoreProblem } from './app/settings.ts';
export { PRIVATE_FILE_MODE } from './common/privateFiles.ts';
export { recoverSettingsFile } from './app/settingsRecovery.ts';
export { createFileSecretStore } from './app/fileSecretStore.ts';
export { isApiMethod, apiMethods } from './app/apiMethods.ts';
export { apiArgumentShapes } from './web/apiArgumentShapes.ts';
export { checkArguments } from './web/argumentShape.ts';
export type * from './app/contract.ts';
