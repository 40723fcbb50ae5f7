/** Runtime list of the contract's method names, checked at compile time to match `CosSyncApi` exactly. */
import type { CosSyncMethod } from './contract.ts';

/** Every {@link CosSyncMethod}, once each: what the preload exposes and the web host accepts. */
export const apiMethods = [
  'getSnapshot',
  'listFiles',
  'listActivity',
  'addFolder',
  'removeFolder',
  'pauseFolder',
  'resumeFolder',
  'pauseAll',
  'resumeAll',
  'rescanFolder',
  'retryFailed',
  'confirmDeletes',
  'listFileVersions',
  'restoreFileVersion',
  'getSettings',
  'updateSettings',
  'testProfile',
  'startUpload',
  'cancelUpload',
  'startBucketJob',
  'controlBucketJob',
  'listBucketJobs',
  'getEngineStatus',
  'rotateEngineKey',
] as const satisfies readonly CosSyncMethod[];

// Fails to compile when a method of CosSyncApi is missing from the list above.
type Missing = Exclude<CosSyncMethod, (typeof apiMethods)[number]>;
const coversEveryMethod: [Missing] extends [never] ? true : Missing = true;
void coversEveryMethod;

const methodSet: ReadonlySet<string> = new Set(apiMethods);

/** True when `name` is a contract method (own names only, so `__proto__` or `toString` never pass). */
export function isApiMethod(name: string): name is CosSyncMethod {
  return methodSet.has(name);
}
