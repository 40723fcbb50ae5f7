/** Issue 14, bounded: concurrent mixed load with SSE against one engine process (bench/load.ts at small scale): no errors, every read right. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../../bench/load.ts';
import { OPERATIONS } from '../../bench/objectWorkload.ts';

test('16 clients of PUT, GET, ranged GET, multipart, copy, list and delete: no error, every read verified, the engine alive', async (t) => {
  const report = await runLoad({ clients: 16, seconds: 10, seed: Date.now() % 1000 });
  t.diagnostic(`${report.operations} operations; RSS MiB ${(report.rss.start / 2 ** 20).toFixed(0)} / ${(report.rss.peak / 2 ** 20).toFixed(0)} / ${(report.rss.end / 2 ** 20).toFixed(0)}`);
  assert.deepEqual(report.errors, [], 'no request failed and no read was wrong');
  assert.equal(report.engineDeaths, 0);
  for (const operation of OPERATIONS) assert.ok(report.latencies.get(operation)!.length > 0 || operation === 'multipart', `${operation} ran`);
  assert.ok(report.operations >= 50, `enough operations ran (${report.operations})`);
});
