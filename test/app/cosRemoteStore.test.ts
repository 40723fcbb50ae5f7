/** createCosRemoteStore over a real CosClient passes the RemoteStore contract suite against the bundled engine on port 0. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCosRemoteStore } from '../../core/app/cosRemoteStore.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { startEngine } from '../../core/engine/startEngine.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { describeRemoteStoreContract } from '../sync/remoteStoreContract.ts';

const BUCKET = 'contract-1250000000';
const MiB = 1024 * 1024;

describeRemoteStoreContract('createCosRemoteStore over the bundled engine', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cos-sync-store-contract-'));
  const engine = await startEngine({ dataDir, port: 0, buckets: [BUCKET] });
  const client = new CosClient({ credentials: engine.credentials, region: engine.region, endpoint: engine.endpoint, retries: { attempts: 3, baseMs: 5, maxMs: 20 } });
  // One part in flight, so "abort after the first part" leaves exactly part 1 stored.
  const store = createCosRemoteStore({ client: () => client, bucket: BUCKET, sse: { mode: 'AES256' }, partConcurrency: 1 });
  return {
    store,
    prefix: `contract-${randomBytes(4).toString('hex')}/`,
    // The client's defaults: multipart from 16 MiB, 8 MiB parts → 3 parts.
    multipartSize: 17 * MiB,
    crc64: (data) => crc64(data).toString(),
    async close() {
      await client.close();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
