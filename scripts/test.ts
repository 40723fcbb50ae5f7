/** Runs the test suite with Node's test runner: `npm run test:unit [-- filter...]`. Browser tests run last, one at a time. */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const filters = process.argv.slice(2);
const files = globSync('test/**/*.test.ts')
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ')}`);
  process.exit(1);
}

/** Runs `group` with `concurrency` files at a time; returns the exit status. */
function run(group: string[], concurrency: number): number {
  if (group.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', '--test-reporter=spec', ...group],
    { stdio: 'inherit', env: { ...process.env, COS_SYNC_TEST: '1' } },
  );
  return result.status ?? 1;
}

// The browser tests measure what a person sees (timings, grouping); a heavy suite beside them on 2 cores makes them flaky.
const browser = files.filter((file) => file.startsWith('test/e2e/'));
const rest = files.filter((file) => !file.startsWith('test/e2e/'));
const status = run(rest, 2);
const browserStatus = run(browser, 1);
process.exit(status || browserStatus);
