/** Key ranges: the first key after every key with a given prefix (UTF-8 byte order = code point order). */

/** The smallest string greater (in code point = UTF-8 byte order) than every string starting with `prefix`; undefined if none. */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
