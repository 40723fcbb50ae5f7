/** restoreTarget: maps an object key to a path inside the restore folder, refusing keys that would escape it. */
import { lstat } from 'node:fs/promises';
import path from 'node:path';

/** A key's destination, or the reason it is refused. */
export type RestoreTarget = { ok: true; path: string; directory: boolean } | { ok: false; reason: string };

/**
 * Where `relativeKey` (the key without the restore prefix) lands under `root` (an absolute folder). Refused:
 * an empty key, NUL or other control characters, an absolute key (`/x`, `\x`, `C:x`), empty segments (`a//b`),
 * and `.`/`..` segments, with `\` treated as a separator too (a key that is harmless here could escape on
 * Windows). A key ending in `/` is a folder marker (`directory: true`).
 */
export function restoreTarget(root: string, relativeKey: string): RestoreTarget {
  const shown = JSON.stringify(relativeKey);
  if (relativeKey === '') return { ok: false, reason: 'The key is empty after the prefix; there is no file name to restore it to.' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(relativeKey)) return { ok: false, reason: `The key ${shown} contains NUL or control characters, which no file name may hold.` };
  if (/^[/\\]/.test(relativeKey) || /^[A-Za-z]:/.test(relativeKey)) return { ok: false, reason: `The key ${shown} is an absolute path; restoring it would write outside the folder.` };
  const directory = relativeKey.endsWith('/');
  const segments = (directory ? relativeKey.slice(0, -1) : relativeKey).split(/[/\\]/);
  if (segments.some((segment) => segment === '..' || segment === '.')) return { ok: false, reason: `The key ${shown} has a '..' or '.' segment; restoring it could write outside the folder.` };
  if (segments.some((segment) => segment === '')) return { ok: false, reason: `The key ${shown} has an empty path segment ('//'); it has no faithful file name.` };
  const resolved = path.resolve(root, ...segments);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) return { ok: false, reason: `The key ${shown} resolves outside the folder.` };
  return { ok: true, path: resolved, directory };
}

/**
 * Checks that no existing folder between `root` and `target` is a symbolic link (which would carry the write
 * outside `root`); `checked` caches folders already seen. Returns a refusal reason, or undefined when safe.
 */
export async function linkEscape(root: string, target: string, checked: Set<string>): Promise<string | undefined> {
  let folder = path.dirname(target);
  const pending: string[] = [];
  while (folder !== root && folder.startsWith(root + path.sep) && !checked.has(folder)) {
    pending.push(folder);
    folder = path.dirname(folder);
  }
  for (const candidate of pending.toReversed()) {
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink() || !stats.isDirectory()) return `'${path.relative(root, candidate)}' inside the folder is ${stats.isSymbolicLink() ? 'a symbolic link' : 'a file'}; the object is not written through it.`;
    checked.add(candidate);
  }
  return undefined;
}
