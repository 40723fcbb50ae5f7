/** Public surface of core/engine: start the bundled COS engine, and manage its master keys (running or stopped). */
export { startEngine } from './startEngine.ts';
export type { EngineHandle, EngineOptions } from './startEngine.ts';
export type { EngineCredentials } from './keys/engineCredentials.ts';
export type { EngineKeys, KeyVersionStatus, RewrapResult } from './keys/keyService.ts';
export { keyStatus, retireKey, rewrapKeys, rotateKey } from './keys/offlineKeys.ts';
export { DEFAULT_KMS_KEY_ID } from './http/sseRequest.ts';
