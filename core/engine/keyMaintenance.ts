/** Background key work of a running engine: rotation when the active master key reaches its age, and the rewrap sweep after start and after each rotation. */
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { Keyring } from '../crypto/index.ts';
import type { KeyService } from './keys/keyService.ts';

/** Options of {@link startKeyMaintenance}. */
export interface KeyMaintenanceOptions {
  keys: KeyService;
  keyring: Keyring;
  /** Rotate once the active SSE-COS master key is this old (milliseconds). */
  maxAgeMs: number;
  /** Run the rewrap sweep (after start and after automatic rotations). */
  rewrap: boolean;
  clock: Clock;
  logger: Logger;
}

/** Running background key work. */
export interface KeyMaintenance {
  /** Stops the schedule, stops a running sweep after its batch and waits for the work in flight. */
  close(): Promise<void>;
}

/** The schedule re-checks at least this often, so a changed clock or a long sleep is noticed. */
const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * Starts the schedule: a sweep at once (it resumes what a crash or an interrupted `keys rewrap` left), and a timer
 * set for the moment the active master key becomes `maxAgeMs` old, which rotates and sweeps again.
 */
export function startKeyMaintenance(options: KeyMaintenanceOptions): KeyMaintenance {
  const { keys, keyring, logger } = options;
  const abort = new AbortController();
  const running = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  const track = (work: Promise<unknown>): Promise<unknown> => {
    const guarded = work.catch((error: unknown) => logger.log('warn', 'background key work failed', { error: error instanceof Error ? error.message : String(error) }));
    running.add(guarded);
    void guarded.finally(() => running.delete(guarded));
    return guarded;
  };
  const sweep = (): void => {
    if (options.rewrap && !abort.signal.aborted) track(keys.rewrap({ signal: abort.signal }));
  };
  const plan = (): void => {
    if (abort.signal.aborted) return;
    const active = keyring.versions().find((version) => version.state === 'active')!;
    const wait = Math.min(Math.max(active.createdAt + options.maxAgeMs - options.clock.now(), 1000), MAX_WAIT_MS);
    timer = setTimeout(() => {
      void track(keyring.rotateIfOlderThan(options.maxAgeMs).then((rotated) => {
        if (!rotated) return;
        logger.log('info', 'master key rotated by age', { version: rotated.version });
        sweep();
      })).then(plan);
    }, wait);
    timer.unref();
  };
  sweep();
  plan();
  return {
    async close() {
      abort.abort();
      clearTimeout(timer);
      await Promise.all(running);
    },
  };
}
