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

/**
 * Paths tested before the matcher is compiled afresh. The `ignore` package caches the answer for every path it was
 * asked about, for the life of the matcher: a folder of 100,000 files left 100,000 entries behind after each full
 * scan (memory, and a dictionary that slows every later look-up and the garbage collector). Compiling the few
 * patterns again costs far less than a thousand look-ups.
 */
const TESTS_PER_MATCHER = 4096;

/** A compiled rule set. Paths are relative to the folder root with '/' separators. */
export class IgnoreRules {
  readonly #patterns: readonly string[];
  #matcher: Ignore;
  #tests = 0;
  /** The `.cosignore` text the rules were built from ('' when absent). */
  readonly userText: string;

  /** `extra` are app-wide patterns (the settings' excludes), applied after the defaults and before `.cosignore`. */
  constructor(userText = '', extra: readonly string[] = []) {
    this.userText = userText;
    this.#patterns = [...DEFAULT_IGNORE_PATTERNS, ...extra];
    this.#matcher = this.#compile();
  }

  #compile(): Ignore {
    return ignore({ allowRelativePaths: false }).add(this.#patterns).add(this.userText);
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
    if (++this.#tests > TESTS_PER_MATCHER) {
      this.#tests = 0;
      this.#matcher = this.#compile();
    }
    return this.#matcher.ignores(isDirectory ? `${relativePath}/` : relativePath);
  }
}
