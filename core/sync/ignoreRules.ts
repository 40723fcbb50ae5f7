/** Ignore rules: built-in defaults plus gitignore syntax from `.cosignore` in the folder root. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { IGNORE_FILE, MARKER_FILE, PROBE_KEY, TRASH_PREFIX } from './folderConfig.ts';

/** Patterns always applied (before `.cosignore`, which may negate them); our own marker/probe/trash names included. node_modules is deliberately synced. */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  '~$*',
  '*.tmp',
  '*.swp',
  '.git/',
  `/${MARKER_FILE}`,
  `/${PROBE_KEY}`,
  `/${TRASH_PREFIX}`,
  '.cos-sync-journal*',
];

/** A compiled rule set. Paths are relative to the folder root with '/' separators. */
export class IgnoreRules {
  readonly #matcher: Ignore;
  /** The `.cosignore` text the rules were built from ('' when absent). */
  readonly userText: string;

  /** `extra` are app-wide patterns (the settings' excludes), applied after the defaults and before `.cosignore`. */
  constructor(userText = '', extra: readonly string[] = []) {
    this.userText = userText;
    this.#matcher = ignore({ allowRelativePaths: false }).add([...DEFAULT_IGNORE_PATTERNS, ...extra]).add(userText);
  }

  /** Reads `.cosignore` from `root` (missing file = defaults only; unreadable file = defaults, and the error is returned). */
  static async load(root: string, extra: readonly string[] = []): Promise<{ rules: IgnoreRules; error?: unknown }> {
    try {
      return { rules: new IgnoreRules(await readFile(path.join(root, IGNORE_FILE), 'utf8'), extra) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rules: new IgnoreRules('', extra) };
      return { rules: new IgnoreRules('', extra), error };
    }
  }

  /** True when the path (a directory when `isDirectory`) is ignored, itself or through an ignored parent. */
  ignores(relativePath: string, isDirectory: boolean): boolean {
    if (relativePath === '' || relativePath === '.') return false;
    return this.#matcher.ignores(isDirectory ? `${relativePath}/` : relativePath);
  }
}
