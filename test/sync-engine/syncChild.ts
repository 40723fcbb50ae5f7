/**
 * A sync process for crash tests: one folder pair (SyncManager + createCosRemoteStore, journal file) from the JSON in
 * argv[2]; prints one JSON line per stored multipart part (after the journal recorded it) and per file status, and
 * `{"done":true}` once a pass ended idle. Runs until killed (`once: false`) or exits after the first idle pass.
 */
import { createCosRemoteStore } from '../../core/app/cosRemoteStore.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { crc64File } from '../../core/protocol/crc64.ts';
import type { RemoteStore } from '../../core/sync/remoteStore.ts';
import { SyncManager } from '../../core/sync/syncManager.ts';

/** What the parent passes in argv[2]. */
export interface SyncChildConfig {
  root: string;
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  journalPath: string;
  credentials: { secretId: string; secretKey: string };
  once: boolean;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SyncChildConfig;
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
const client = new CosClient({ credentials: config.credentials, region: config.region, endpoint: config.endpoint, retries: { attempts: 2, baseMs: 10, maxMs: 50 } });
const inner = createCosRemoteStore({ client: () => client, bucket: config.bucket, sse: { mode: 'AES256' } });
// Reports each part after sync's own onPart (which writes it to the journal) returned.
const store: RemoteStore = {
  ...inner,
  uploadFile: (key, filePath, request) =>
    inner.uploadFile(key, filePath, {
      ...request,
      onSession: async (session) => {
        await request.onSession?.(session);
        print({ session: session.uploadId, partSize: session.partSize, key });
      },
      onPart: async (part) => {
        await request.onPart?.(part);
        print({ part: part.partNumber, key });
      },
    }),
};
const manager = new SyncManager({
  journalPath: config.journalPath,
  crc64File: async (file, signal) => String(await crc64File(file, signal)),
  createRemoteStore: () => store,
  loopOptions: { probeBaseMs: 200, probeMaxMs: 1000 },
});
manager.on('file-status', (event) => {
  if (event.state !== 'uploading') print({ path: event.path, state: event.state });
});
const loop = await manager.addFolder({ id: 'child', localPath: config.root, profile: 'child', bucket: config.bucket, prefix: config.prefix, watch: false });
await manager.start();
for (;;) {
  await manager.whenIdle();
  if (loop.status.state === 'idle') break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
print({ done: true });
if (config.once) {
  await manager.dispose();
  await client.close();
} else {
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await manager.dispose();
  await client.close();
}
