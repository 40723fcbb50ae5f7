/** deleteObjects splits long key lists into requests of at most 1000 keys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf } from '../fakes/fakeCos.ts';
import { BUCKET, fakeWithClient } from './cosTestKit.ts';

describe('deleteObjects', () => {
  it('sends 2501 keys as three requests of at most 1000 and deletes them all', async () => {
    const setup = await fakeWithClient();
    try {
      const objects = setup.fake.buckets.get(BUCKET)!.objects;
      const keys = Array.from({ length: 2501 }, (_, index) => `bulk/${String(index).padStart(5, '0')}`);
      for (const key of keys) objects.set(key, { data: Buffer.from(key), ...digestOf(Buffer.from(key)), contentType: 'text/plain', metadata: {}, sse: { algorithm: 'AES256' }, lastModified: new Date() });
      const result = await setup.client.deleteObjects(BUCKET, keys);
      assert.equal(result.deleted.length, 2501);
      assert.deepEqual(result.errors, []);
      assert.equal(objects.size, 0);
      const posts = setup.fake.requests.filter((request) => request.method === 'POST' && 'delete' in request.query);
      assert.equal(posts.length, 3);
    } finally {
      await setup.close();
    }
  });
});
