/** One parsed request: request target (virtual-host, path-style, absolute-form), bucket, key, query and auth outcome. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsChunkedDecoderOptions } from '../../protocol/sigv4.ts';
import { parseBucketHost, isValidBucketName } from '../../protocol/bucketHost.ts';
import { cosError } from '../../protocol/cosError.ts';
import { parseQuery } from '../../protocol/signableRequest.ts';

/** The server message of InvalidBucketName. */
export const BUCKET_NAME_RULE = 'The bucket name must be NAME-APPID or an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.';

/** Longest object key accepted, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 850;

/** Who signed the request (`secretId`: the key pair whose signature was verified). */
export type RequestAuth =
  | { kind: 'anonymous' }
  /** `signedParams`: the query values the signature covers, by lowercase encoded name (see `cosSignedParams`). */
  | { kind: 'cos'; secretId: string; signedParams: ReadonlyMap<string, string> }
  | { kind: 'v4'; secretId: string; payloadHash: string; chunked?: AwsChunkedDecoderOptions; presigned: boolean };

/** A request being served. */
export interface EngineRequest {
  id: string;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  region: string;
  /** Raw path (percent-encoded), without the query. */
  rawPath: string;
  /** Raw query string without `?`. */
  rawQuery: string;
  /** Decoded query pairs in wire order. */
  query: [string, string][];
  /** First value per query name (names as sent). */
  params: Map<string, string>;
  /** The Host the client addressed. */
  host: string;
  style: 'virtual' | 'path' | 'service';
  /** The bucket, or '' for service-level requests. */
  bucket: string;
  /** The decoded object key; '' for bucket-level requests. */
  key: string;
  /** Decoded path a COS signature covers (path-style: without the bucket segment). */
  signedPath: string;
  auth: RequestAuth;
  /** True for SigV4-signed requests: responses add x-amz-* spellings. */
  amz: boolean;
  /** True when an anonymous request is allowed by a bucket policy statement (it then passes `requireSigned`). */
  grantedByPolicy: boolean;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw cosError('InvalidURI', 'The request path is not valid percent-encoded UTF-8.');
  }
}

/** Throws InvalidURI / KeyTooLong for keys the engine refuses: NUL, `.` or `..` segments, over 850 bytes. */
export function validateKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw cosError('KeyTooLong', `Object keys are limited to ${MAX_KEY_BYTES} bytes.`);
  if (key.includes('\0')) throw cosError('InvalidURI', 'Object keys may not contain NUL.');
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) throw cosError('InvalidURI', 'Object keys may not contain "." or ".." segments.');
  if (/[\uD800-\uDFFF]/.test(key.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) throw cosError('InvalidURI', 'Object keys must be valid UTF-8.');
}

/** The parts of the target that routing needs. */
export interface RequestTarget {
  rawPath: string;
  rawQuery: string;
  host: string;
  style: EngineRequest['style'];
  bucket: string;
  key: string;
  signedPath: string;
}

/** The bucket of an S3 virtual-host `Host` (`<bucket>.<domain>[:port]`, domain one of `domains`), or undefined. */
export function bucketOfS3Host(host: string, domains: readonly string[]): string | undefined {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  for (const domain of domains) {
    const suffix = `.${domain.toLowerCase()}`;
    if (name.endsWith(suffix)) {
      const bucket = name.slice(0, -suffix.length);
      return isValidBucketName(bucket) ? bucket : undefined;
    }
  }
  return undefined;
}

/**
 * Parses the request target. Virtual-host when Host is `<bucket>.cos.<region>.(myqcloud.com|tencentcos.cn)` or
 * `<bucket>.<domain>` for one of the engine's `domains` (S3 style); otherwise path-style (`/<bucket>/<key>`), and
 * service-level for `/`. Absolute-form targets (`PUT http://host/key`) take path and host from the URL.
 */
export function parseTarget(req: IncomingMessage, domains: readonly string[] = []): RequestTarget {
  let url = req.url ?? '/';
  let host = req.headers.host ?? '';
  // Node's own check answers an empty 400; the engine's answer is a COS error document like every other 4xx.
  if (host === '' && req.httpVersion !== '1.0' && url.startsWith('/')) throw cosError('MissingHost', 'HTTP/1.1 requests must carry a Host header.');
  if (!url.startsWith('/')) {
    const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)(.*)$/.exec(url);
    if (!match) throw cosError('InvalidURI', 'The request target is not valid.');
    host = host || match[1]!;
    url = match[2] || '/';
    if (!url.startsWith('/')) url = `/${url}`;
  }
  const question = url.indexOf('?');
  const rawPath = question === -1 ? url : url.slice(0, question);
  const rawQuery = question === -1 ? '' : url.slice(question + 1);
  const path = decodePath(rawPath);
  const virtual = parseBucketHost(host)?.bucket ?? bucketOfS3Host(host, domains);
  if (virtual) return { rawPath, rawQuery, host, style: 'virtual', bucket: virtual, key: path.slice(1), signedPath: path };
  if (path === '/' || path === '') return { rawPath, rawQuery, host, style: 'service', bucket: '', key: '', signedPath: '/' };
  const rest = path.slice(1);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!isValidBucketName(bucket)) throw cosError('InvalidBucketName', BUCKET_NAME_RULE);
  return { rawPath, rawQuery, host, style: 'path', bucket, key, signedPath: `/${key}` };
}

/**
 * The value of query parameter `name` that the request's signature covers, or undefined when it covers none: SigV4
 * signs the whole query (first value of that exact name); a COS signature covers only `q-url-param-list`; an
 * anonymous request covers nothing.
 */
export function signedParam(r: EngineRequest, name: string): string | undefined {
  if (r.auth.kind === 'v4') return r.params.get(name);
  if (r.auth.kind === 'cos') return r.auth.signedParams.get(name);
  return undefined;
}

/** Decoded query pairs and a first-value map. */
export function parseParams(rawQuery: string): { query: [string, string][]; params: Map<string, string> } {
  const query = parseQuery(rawQuery);
  const params = new Map<string, string>();
  for (const [name, value] of query) if (!params.has(name)) params.set(name, value);
  return { query, params };
}
