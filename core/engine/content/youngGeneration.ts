/** A young-generation collection on demand, for data paths whose garbage is mostly buffers V8 would collect late. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collector = (options: { type: 'minor' }) => void;

let collector: Collector | undefined | null = null;

/**
 * Runs a young-generation collection (a scavenge: about a millisecond) when the runtime allows one, else nothing.
 * Why: buffers that die young (request body chunks, cipher output) are external memory, and V8 collects them only
 * once about 64 MiB of them piled up since the last collection; a large transfer kept that much garbage per thread.
 * `gc` comes from a context made while `--expose-gc` is on; the flag is turned off again at once, so no other context
 * gets it.
 */
function collectYoungGeneration(): void {
  if (collector === null) {
    try {
      setFlagsFromString('--expose-gc');
      collector = runInNewContext('gc') as Collector | undefined;
    } catch {
      collector = undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  collector?.({ type: 'minor' });
}

let garbageSinceCollect = 0;

/**
 * Counts `bytes` of young garbage made on this thread (by any request) and collects once `every` bytes piled up: one
 * process-wide count, so several bodies in flight collect no more often per MiB than one.
 */
export function noteYoungGarbage(bytes: number, every: number): void {
  garbageSinceCollect += bytes;
  if (garbageSinceCollect < every) return;
  garbageSinceCollect = 0;
  collectYoungGeneration();
}
