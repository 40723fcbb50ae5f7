/** Public surface of core/engine: start the bundled COS engine, and manage its master keys (running or stopped). */
export { startEngine } from './startEngine.ts';
export type { EngineHandle, EngineOptions } from './startEngine.ts';
export type { EngineCredentials } from './engineCredentials.ts';
export type { EngineKeys, KeyVersionStatus, RewrapResult } from './keyService.ts';
export { keyStatus, retireKey, rewrapKeys, rotateKey } from './offlineKeys.ts';
export { DEFAULT_KMS_KEY_ID } from './sseRequest.ts';
