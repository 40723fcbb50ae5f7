/** Policy wildcards: `*` matches any run of characters (none included), `?` exactly one. */

/** True when `text` matches `pattern` (`*` and `?` wildcards; `ignoreCase` for S3 action names). */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // Iterative glob with one backtrack point: linear in practice, no regular expressions built from user input.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** True when `text` contains a wildcard character. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}
