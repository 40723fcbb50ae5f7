/** Polls a condition until it holds, for tests that wait for a state instead of a fixed time. */
import assert from 'node:assert/strict';
import { scaled } from './e2e/timeScale.ts';

/**
 * Resolves once `condition` returns true, checking every `everyMs`; fails the test naming `what` after
 * `timeoutMs` (stretched by the machine's load factor, test/e2e/timeScale.ts).
 */
export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
