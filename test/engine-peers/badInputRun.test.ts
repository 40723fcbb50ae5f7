/** Issues 10 and 14, bounded: generated hostile requests, slow clients and a connection flood against one engine process (bench/badInput.ts at small scale). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badRequestKinds } from '../../bench/badRequests.ts';
import { runBadInput } from '../../bench/badInput.ts';

test('hostile requests never end the engine: every answer is the right COS XML error, nothing leaks, it serves normally after', async (t) => {
  const kinds = badRequestKinds().length;
  const report = await runBadInput({ requests: kinds * 25, concurrency: 32, slowClients: 16, idleTimeoutSeconds: 2, maxConnections: 200, seed: Date.now() % 1000 });
  t.diagnostic(`${report.requests} requests in ${report.seconds.toFixed(0)} s: ${[...report.byClass].map(([name, count]) => `${name} ${count}`).join(', ')}`);
  assert.deepEqual(report.deaths, [], 'the engine process never ended');
  assert.deepEqual(report.wrong, [], 'every answer is the expected status with a COS XML error document');
  // 501 NotImplemented is the documented answer to transfer codings and sub-resources the engine does not implement.
  assert.deepEqual([...report.serverErrors.keys()].filter((label) => !label.endsWith(': 501 NotImplemented')), [], 'no other 5xx');
  for (const [name, tally] of report.byKind) assert.ok(tally.sent >= 20, `${name} was sent`);
  assert.ok([...report.slow.answered.keys()].every((label) => /^(slow headers: 408|stalled body: 400) RequestTimeOut$/.test(label)), JSON.stringify([...report.slow.answered]));
  assert.equal(report.slow.servedMeanwhile, true);
  assert.ok(report.connections.refused >= 150, `connections beyond the cap are closed (${report.connections.refused} of ${report.connections.opened})`);
  assert.equal(report.connections.servedAfter, true);
  assert.equal(report.servingAfter, true);
  assert.equal(report.tempFilesAfter, 0, 'no temporary blob is left');
  assert.ok(report.openFiles.end <= report.openFiles.start + 4, `open files ${report.openFiles.start} → ${report.openFiles.end}`);
});
