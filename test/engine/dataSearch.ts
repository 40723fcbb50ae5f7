/** Test helper: does any file under a directory contain a byte sequence? (proves what is and is not stored in plaintext) */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Paths of files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: Buffer | string): Promise<string[]> {
  const pattern = Buffer.isBuffer(needle) ? needle : Buffer.from(needle);
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.includes(pattern)) found.push(file);
  }
  return found;
}
