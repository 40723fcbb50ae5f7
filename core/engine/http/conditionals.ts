/** HTTP preconditions (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) and single byte ranges. */
import type { IncomingHttpHeaders } from 'node:http';
import { cosError } from '../../protocol/cosError.ts';
import { firstHeader } from './sseRequest.ts';

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((item) => {
    const value = item.trim().replace(/^W\//, '');
    return value === '*' || value.replace(/^"|"$/g, '') === etag;
  });
}

/**
 * Evaluates the preconditions of `headers` (names prefixed by `prefix`, e.g. `x-cos-copy-source-`) for an
 * object: `412` when If-Match / If-Unmodified-Since fail, `304` when If-None-Match / If-Modified-Since
 * fail (a copy source turns 304 into 412), `undefined` when the request may proceed.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, etag: string, modifiedMs: number, prefix = ''): 304 | 412 | undefined {
  const get = (name: string): string | undefined => firstHeader(headers, `${prefix}${name}`, prefix ? `${prefix.replace('x-cos-', 'x-amz-')}${name}` : `${prefix}${name}`);
  const modifiedSeconds = Math.floor(modifiedMs / 1000);
  const ifMatch = get('if-match');
  const ifUnmodified = get('if-unmodified-since');
  const ifNoneMatch = get('if-none-match');
  const ifModified = get('if-modified-since');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, etag)) return 412;
  } else if (ifUnmodified !== undefined) {
    const time = Date.parse(ifUnmodified);
    if (!Number.isNaN(time) && modifiedSeconds > Math.floor(time / 1000)) return 412;
  }
  const notModified = prefix ? 412 : 304;
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, etag)) return notModified;
  } else if (ifModified !== undefined) {
    const time = Date.parse(ifModified);
    if (!Number.isNaN(time) && modifiedSeconds <= Math.floor(time / 1000)) return notModified;
  }
  return undefined;
}

/**
 * Parses one `bytes=first-last` / `bytes=first-` / `bytes=-suffix` range against an object of `size` bytes.
 * Returns undefined without a Range header; throws 416 InvalidRange for a malformed, multiple or unsatisfiable range.
 */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!match || (match[1] === '' && match[2] === '')) throw cosError('InvalidRange', 'The Range header is not a single valid byte range.');
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw cosError('InvalidRange', 'The requested range is not satisfiable.');
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) throw cosError('InvalidRange', 'The requested range is not satisfiable.');
  if (match[2] !== '' && Number(match[2]) < start) throw cosError('InvalidRange', 'The Range header is not a valid byte range.');
  return { start, end };
}
