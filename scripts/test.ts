/** Runs the test suite with Node's test runner: `npm run test:unit [-- filter...]`. Browser tests run last, one at a time. */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { acquireSuiteLock } from './suiteLock.ts';

const filters = process.argv.slice(2);
const files = globSync('test/**/*.test.ts')
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ')}`);
  process.exit(1);
}

// A whole suite waits for any other whole suite on this machine; a filtered run (a few files) does not.
if (filters.length === 0) await acquireSuiteLock(process.cwd());

// On a machine already busy with other work, states take longer to appear: the tests' upper bounds for waiting
// on them stretch by this factor (test/e2e/timeScale.ts), and so does the per-test limit.
const timeScale = process.env.COS_SYNC_TEST_TIME_SCALE ?? String(Math.min(8, Math.max(1, Math.ceil((loadavg()[0] ?? 0) / availableParallelism()))));

/** Runs `group` with `concurrency` files at a time; returns the exit status. */
function run(group: string[], concurrency: number): number {
  if (group.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${300_000 * Number(timeScale)}`, '--test-reporter=spec', ...group],
    { stdio: 'inherit', env: { ...process.env, COS_SYNC_TEST: '1', COS_SYNC_TEST_TIME_SCALE: timeScale } },
  );
  return result.status ?? 1;
}

// The browser tests measure what a person sees (timings, grouping); a heavy suite beside them on 2 cores makes them flaky.
const browser = files.filter((file) => file.startsWith('test/e2e/'));
const rest = files.filter((file) => !file.startsWith('test/e2e/'));
const status = run(rest, 2);
const browserStatus = run(browser, 1);
process.exit(status || browserStatus);
