/** Shared setup for core/cos tests: temp folders, deterministic files, a client against a fake COS or the bundled engine. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CosClient, type CosClientOptions } from '../../core/cos/cosClient.ts';
import { startFakeCos, type FakeCos } from '../fakes/fakeCos.ts';

/** The bucket every test uses. */
export const BUCKET = 'test-1250000000';
/** The region every test uses. */
export const REGION = 'ap-guangzhou';

/** A temporary folder removed by `remove()`. */
export async function tempFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cos-sync-cos-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `size` random bytes to `dir/name` and returns the path and bytes. */
export async function randomFile(dir: string, name: string, size: number): Promise<{ file: string; data: Buffer }> {
  const data = randomBytes(size);
  const file = path.join(dir, name);
  await writeFile(file, data);
  return { file, data };
}

/** Fast retries for tests. */
export const fastRetries = { attempts: 4, baseMs: 5, maxMs: 20 };

/** A client for `endpoint` with the given credentials and test-friendly retry settings. */
export function clientFor(endpoint: string, credentials: { secretId: string; secretKey: string }, extra: Partial<CosClientOptions> = {}): CosClient {
  return new CosClient({ credentials, region: REGION, endpoint, retries: fastRetries, timeouts: { headers: 20_000, bodyIdle: 20_000 }, ...extra });
}

/** A fake COS plus a client pointed at it. */
export async function fakeWithClient(extra: Partial<CosClientOptions> = {}, now?: () => number): Promise<{ fake: FakeCos; client: CosClient; close(): Promise<void> }> {
  const fake = await startFakeCos({ buckets: [BUCKET], ...(now ? { now } : {}) });
  const client = clientFor(fake.endpoint, fake.credentials, extra);
  return { fake, client, close: async () => { await client.close(); await fake.close(); } };
}

/** A COS-compatible server for contract tests. */
export interface CosTarget {
  name: string;
  endpoint: string;
  credentials: { secretId: string; secretKey: string };
  close(): Promise<void>;
}

type StartEngine = (options: { dataDir: string; port: number; buckets?: string[]; clock?: { now(): number } }) => Promise<{ endpoint: string; credentials: { secretId: string; secretKey: string }; close(): Promise<void> }>;

/** The bundled engine on port 0 in a temp folder, or undefined while core/engine/startEngine.ts is not available or fails to start. */
export async function startEngineTarget(clock?: { now(): number }): Promise<CosTarget | undefined> {
  const modulePath = path.resolve(import.meta.dirname, '../../core/engine/startEngine.ts');
  if (!existsSync(modulePath)) return undefined;
  const folder = await tempFolder();
  try {
    const module = (await import(modulePath)) as { startEngine?: StartEngine };
    if (!module.startEngine) throw new Error('no startEngine export');
    const engine = await module.startEngine({ dataDir: folder.dir, port: 0, buckets: [BUCKET], ...(clock ? { clock } : {}) });
    return { name: 'engine', endpoint: engine.endpoint, credentials: engine.credentials, close: async () => { await engine.close(); await folder.remove(); } };
  } catch (error) {
    await folder.remove();
    if (process.env.COS_SYNC_REQUIRE_ENGINE) throw error;
    return undefined;
  }
}

/** The fake COS as a {@link CosTarget}. */
export async function startFakeTarget(): Promise<CosTarget> {
  const fake = await startFakeCos({ buckets: [BUCKET] });
  return { name: 'fake', endpoint: fake.endpoint, credentials: fake.credentials, close: fake.close };
}
