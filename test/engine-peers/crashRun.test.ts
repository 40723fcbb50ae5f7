/** Issue 14, bounded: kill -9 of the engine at random moments under load (bench/crashes.ts at small scale): acknowledged writes survive, nothing half-written, rewrap resumes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCrashes } from '../../bench/crashes.ts';

test('after each kill -9 every acknowledged write reads back, in-flight ones are whole or absent, and an interrupted rewrap finishes', async (t) => {
  const report = await runCrashes({ rounds: 3, clients: 6, seed: Date.now() % 1000 });
  for (const round of report.rounds) t.diagnostic(`round ${round.round + 1}: killed after ${round.killedAfterMs} ms, ${round.acknowledged} acknowledged, ${round.inFlight} in flight (${round.inFlightCommitted} whole)`);
  assert.deepEqual(report.rounds.flatMap((round) => round.problems), [], 'every restart found what was acknowledged, and nothing half-written');
  assert.deepEqual(report.finalProblems, []);
  assert.ok(report.rounds.some((round) => round.rotatedAndRewrapping), 'a kill met a rotation and a running rewrap');
  assert.ok(report.activeKeyVersion >= 2, 'the rotation survived the kill');
  assert.equal(report.rewrapRemaining, 0, 'the sweep resumed after the restart and drained the older version');
  assert.ok(report.acknowledgedTotal > 0);
});
