/** Writes a file of random bytes (64 MiB at a time) for the benches. */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Creates `file` with `size` random bytes. */
export async function writeRandomFile(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.allocUnsafe(64 * 1024 * 1024);
  try {
    for (let written = 0; written < size; written += chunk.length) {
      randomFillSync(chunk);
      await handle.write(chunk, 0, Math.min(chunk.length, size - written));
    }
  } finally {
    await handle.close();
  }
}
