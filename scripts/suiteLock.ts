/** One whole test suite at a time per machine: a lock directory in the temp dir, taken over when its owner is gone. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const lockDir = path.join(tmpdir(), 'cos-sync-test-suite.lock');

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until no other full suite runs on this machine, then holds the lock until this process exits. Several
 * checkouts testing at once on two cores turn the browser and crash tests' bounds into failures and make every run
 * slower than running them one after another. `COS_SYNC_TEST_NO_LOCK=1` skips it.
 */
export async function acquireSuiteLock(label: string): Promise<void> {
  if (process.env.COS_SYNC_TEST_NO_LOCK === '1') return;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'owner'), `${process.pid}\n${label}\n`);
      process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
      return;
    } catch {
      const [pidText = '', owner = 'another checkout'] = (() => {
        try {
          return readFileSync(path.join(lockDir, 'owner'), 'utf8').split('\n');
        } catch {
          return [];
        }
      })();
      const pid = Number(pidText);
      if (pidText !== '' && !ownerAlive(pid)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        console.log(`Waiting for the test suite of ${owner} (pid ${pidText || '?'}) to finish; one suite runs at a time (COS_SYNC_TEST_NO_LOCK=1 skips this).`);
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
