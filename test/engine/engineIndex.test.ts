/** EngineIndex group commit: one transaction per batch, a failing commit rolls back only itself, queue order is commit order. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EngineIndex } from '../../core/engine/storage/engineIndex.ts';

describe('EngineIndex group commit', () => {
  it('isolates failures in a batch and applies commits in queue order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'engine-index-'));
    const index = new EngineIndex(path.join(dir, 'index.sqlite'));
    try {
      const results = await Promise.allSettled([
        index.commit(() => index.createBucket('a-1250000000', 1, 'private')),
        index.commit(() => {
          index.createBucket('b-1250000000', 2, 'private');
          throw new Error('boom');
        }),
        index.commit(() => {
          index.setBucketAcl('a-1250000000', 'public-read');
          return 'third';
        }),
        index.commit(() => index.setBucketAcl('a-1250000000', 'private')),
      ]);
      assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.equal((results[2] as PromiseFulfilledResult<string>).value, 'third');
      assert.equal(index.getBucket('b-1250000000'), undefined, 'the failed commit was rolled back');
      assert.equal(index.getBucket('a-1250000000')?.acl, 'private', 'the last queued change wins');
      assert.equal(index.db.isTransaction, false);
    } finally {
      index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
