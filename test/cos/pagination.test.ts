/** Listings that the server pages: listAllObjects and listParts follow every page. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeCos } from '../fakes/fakeCos.ts';
import { BUCKET, clientFor } from './cosTestKit.ts';

const MiB = 1024 * 1024;

describe('pagination', () => {
  it('follows every page of objects and of parts', async () => {
    const fake = await startFakeCos({ pageSize: 2 });
    const client = clientFor(fake.endpoint, fake.credentials);
    try {
      const keys = ['p/1', 'p/2', 'p/3', 'p/4', 'p/5'];
      for (const key of keys) await client.putObject(BUCKET, key, Buffer.from(key));
      const listed: string[] = [];
      for await (const entry of client.listAllObjects(BUCKET, { prefix: 'p/' })) listed.push(entry.key);
      assert.deepEqual(listed, keys);
      assert.equal(fake.requests.filter((request) => request.method === 'GET' && request.key === '').length, 3);

      const { uploadId } = await client.initiateMultipartUpload(BUCKET, 'p/multi');
      for (let number = 1; number <= 5; number++) await client.uploadPart(BUCKET, 'p/multi', uploadId, number, Buffer.alloc(MiB, number));
      const parts = await client.listParts(BUCKET, 'p/multi', uploadId);
      assert.deepEqual(parts.map((part) => part.partNumber), [1, 2, 3, 4, 5]);
      assert.equal(fake.requests.filter((request) => request.method === 'GET' && request.query.uploadId).length, 3);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
