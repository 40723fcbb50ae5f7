/** Sends signed COS requests over a keep-alive undici dispatcher, with retries, clock-skew correction and timeouts. */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
// The connection pool and its request() alone: undici's index also loads fetch, WebSocket, caches and mocks (113
// modules, 1.6 MB, ~0.1 s of CPU) that every CLI command would pay before its first request; these need 41.
import Agent from 'undici/lib/dispatcher/agent.js';
import dispatcherRequest from 'undici/lib/api/api-request.js';
import { backoffDelay, sleep } from '../common/backoff.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import { CosSyncError } from '../common/errors.ts';
import { silentLogger, type Logger } from '../common/logger.ts';
import { bucketHostname, isValidRegion } from '../protocol/bucketHost.ts';
import { endpointCapabilities, type EndpointCapabilities } from '../protocol/endpointCapabilities.ts';
import { CosError, cosErrorFromResponse } from '../protocol/cosError.ts';
import { signCos, type CosCredentials } from '../protocol/cosSignature.ts';
import { cosUrlEncode, encodeKeyPath } from '../protocol/cosUrlEncode.ts';
import type { RequestBody } from './requestBody.ts';
import { requestedEncryption, sseRefusal, type WriteTarget } from './encryptionRefusal.ts';
import { transportError } from './transportError.ts';

/** Returns the credentials to sign with (called per attempt, so rotating temporary keys are picked up). */
export type CredentialsProvider = () => CosCredentials | Promise<CosCredentials>;

/** Connection, signing and retry settings shared by every request of a client. */
export interface TransportOptions {
  /** A fixed key pair (with token for temporary keys) or a provider called before each attempt. */
  credentials: CosCredentials | CredentialsProvider;
  /** The bucket region, e.g. `ap-guangzhou`. */
  region: string;
  /** Connect here (e.g. `http://127.0.0.1:9000`) instead of real COS; the virtual-host `Host` is still sent. */
  endpoint?: string;
  /** Path-style: `Host` = endpoint host, path `/<bucket>/<key>`, signature over `/<key>`. */
  pathStyle?: boolean;
  /** Injected undici dispatcher; the client then does not close it. */
  dispatcher?: Dispatcher;
  /**
   * PEM certificates to trust for https endpoints instead of the system's (a self-signed engine's cert.pem, a private
   * CA). Verification itself is never turned off.
   */
  ca?: string;
  /** Clock used for signing and skew correction. */
  clock?: Clock;
  /** Keep-alive connections per origin. Default 16. */
  maxConnections?: number;
  /** Milliseconds: TCP/TLS connect (default 10 s), idle before response headers (60 s), idle during the body (60 s). */
  timeouts?: { connect?: number; headers?: number; bodyIdle?: number };
  /** Total attempts per request (default 4) and backoff bounds (default 200 ms, 20 s). */
  retries?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** Random source in [0, 1) for backoff jitter. */
  random?: () => number;
  /** Receives one debug line per attempt (never headers or secrets). */
  logger?: Logger;
}

/** One COS API call. */
export interface CosRequest {
  /** Name for errors and logs, e.g. `PUT Object`. */
  operation: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  /** Object key; absent for bucket-level calls. */
  key?: string;
  /** Decoded query pairs; a value of `''` is sent as a bare flag (`?uploads`). */
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Whether the request may be sent again after a retryable failure. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Do not sign these headers (POST Object carries its own form signature). */
  unsigned?: boolean;
  /**
   * A write whose encryption and key are not in the headers and path (POST Object puts both in the form); writes
   * with SSE headers are recognised from them. An error answer to such a write is classified by {@link sseRefusal}.
   */
  formWrite?: { encryption: string; key: string };
}

/** Response headers with lowercase names and single values. */
export type ResponseHeaders = Record<string, string>;

/** A response read completely. */
export interface BufferedResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

/** A response whose body is still streaming. */
export interface StreamingResponse {
  status: number;
  headers: ResponseHeaders;
  body: Dispatcher.ResponseData['body'];
}

const MAX_BUFFERED = 64 * 1024 * 1024;

function flattenHeaders(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** Server time in ms from an error's `<ServerTime>` or the `Date` header; undefined when neither parses. */
function serverTimeMs(error: CosError, headers: ResponseHeaders): number | undefined {
  const text = error.serverTime?.trim();
  if (text) {
    const value = /^\d+$/.test(text) ? Number(text) * (text.length > 11 ? 1 : 1000) : Date.parse(text);
    if (Number.isFinite(value)) return value;
  }
  const date = headers.date ? Date.parse(headers.date) : Number.NaN;
  return Number.isFinite(date) ? date : undefined;
}

function isSkewError(error: CosError): boolean {
  return error.code === 'RequestTimeTooSkewed' || (error.code === 'AccessDenied' && /request has expired/i.test(error.serverMessage ?? ''));
}

function parseEndpoint(text: string): URL {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CosSyncError('InvalidEndpoint', `The endpoint '${text}' is not an http:// or https:// URL.`, { hint: 'Use a URL such as http://127.0.0.1:9000.' });
  }
  return url;
}

/** Signs and sends COS requests; owns the connection pool unless one was injected. */
export class Transport {
  readonly region: string;
  readonly #options: TransportOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #endpoint: URL | undefined;
  /** What the endpoint accepts: real COS needs NAME-APPID bucket names, compatible servers take S3 names too. */
  readonly capabilities: EndpointCapabilities;
  #offsetMs = 0;

  constructor(options: TransportOptions) {
    if (!isValidRegion(options.region)) {
      throw new CosSyncError('InvalidRegion', `The region '${options.region}' is not valid.`, { hint: 'Use a COS region such as ap-guangzhou.' });
    }
    this.region = options.region;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#endpoint = options.endpoint ? parseEndpoint(options.endpoint) : undefined;
    this.capabilities = endpointCapabilities(options.endpoint);
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher = options.dispatcher ?? new Agent({
      connections: options.maxConnections ?? 16,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeouts?.connect ?? 10_000, ...(options.ca ? { ca: options.ca } : {}) },
    });
  }

  /** Current correction added to the local clock when signing (ms). */
  get clockOffsetMs(): number {
    return this.#offsetMs;
  }

  /** Where a request goes: origin to connect to, wire path, `Host` header and the path the signature covers. */
  target(bucket: string, key?: string): { origin: string; path: string; host: string; signPath: string } {
    if (!this.capabilities.isBucketName(bucket)) {
      throw new CosSyncError('InvalidBucketName', `The bucket name '${bucket}' is not valid.`, { hint: this.capabilities.bucketNameHint });
    }
    const keyPath = key === undefined ? '' : encodeKeyPath(key);
    const signPath = '/' + (key ?? '');
    if (this.#options.pathStyle) {
      const origin = this.#endpoint?.origin ?? `https://cos.${this.region}.myqcloud.com`;
      return { origin, path: `/${bucket}/${keyPath}`, host: new URL(origin).host, signPath };
    }
    const host = bucketHostname(bucket, this.region);
    return { origin: this.#endpoint?.origin ?? `https://${host}`, path: `/${keyPath}`, host, signPath };
  }

  /** The public URL of an object (endpoint-relative when an endpoint is set). */
  objectUrl(bucket: string, key: string): string {
    const { origin, path } = this.target(bucket, key);
    return origin + path;
  }

  /** Current credentials. */
  async credentials(): Promise<CosCredentials> {
    const source = this.#options.credentials;
    return typeof source === 'function' ? await source() : source;
  }

  /** Local time corrected by the learned server-clock offset (ms). */
  now(): number {
    return this.#clock.now() + this.#offsetMs;
  }

  /** Sends `request`, reads the whole body, and returns `parse(response)`; parse errors that are retryable CosErrors are retried. */
  send(request: CosRequest): Promise<BufferedResponse>;
  send<T>(request: CosRequest, parse: (response: BufferedResponse) => T): Promise<T>;
  async send<T>(request: CosRequest, parse?: (response: BufferedResponse) => T): Promise<T | BufferedResponse> {
    return this.#withRetries(request, async (response) => {
      const body = await readAll(response.body);
      const buffered: BufferedResponse = { status: response.statusCode, headers: flattenHeaders(response.headers), body };
      return parse ? parse(buffered) : buffered;
    });
  }

  /** Sends `request` and returns the response with its body still streaming (errors before the body are retried). */
  async open(request: CosRequest): Promise<StreamingResponse> {
    return this.#withRetries(request, async (response) => ({ status: response.statusCode, headers: flattenHeaders(response.headers), body: response.body }));
  }

  /** Closes the owned connection pool. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #withRetries<T>(request: CosRequest, onSuccess: (response: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    const attempts = Math.max(1, this.#options.retries?.attempts ?? 4);
    const retryable = request.idempotent && (request.body?.rewindable ?? true);
    let skewCorrected = false;
    for (let attempt = 0; ; attempt++) {
      if (request.signal?.aborted) throw transportError(request.signal.reason, request.operation, this.peerHost(request.bucket), request.signal);
      const started = performance.now();
      let failure: CosSyncError;
      let status = 0;
      try {
        const response = await this.#dispatch(request);
        status = response.statusCode;
        if (status >= 200 && status < 300) {
          const result = await onSuccess(response);
          this.#log(request, attempt, status, started);
          return result;
        }
        const text = await readAll(response.body, 1024 * 1024);
        const headers = flattenHeaders(response.headers);
        const error = cosErrorFromResponse(status, headers, text);
        const requested = writeEncryption(request);
        const target = this.writeTarget(request.operation, request.bucket, request.formWrite?.key ?? request.key ?? '');
        if (isSkewError(error) && !skewCorrected) {
          const serverMs = serverTimeMs(error, headers);
          if (serverMs !== undefined) {
            skewCorrected = true;
            this.#offsetMs = serverMs - this.#clock.now();
            this.#logger.log('warn', 'corrected clock skew from the server time', { operation: request.operation, offsetMs: this.#offsetMs });
            attempt--;
            continue;
          }
        }
        failure = (requested !== undefined ? sseRefusal(error, target, requested) : undefined) ?? error;
      } catch (error) {
        failure = transportError(error, request.operation, this.peerHost(request.bucket), request.signal);
      }
      this.#log(request, attempt, status, started, failure.code);
      if (failure.retry === 'cancelled') throw failure;
      const again = failure instanceof CosError ? failure.retryable : failure.retry === 'retry' || failure.retry === 'offline';
      if (!again || !retryable || attempt + 1 >= attempts) throw failure;
      await sleep(backoffDelay(attempt, { baseMs: this.#options.retries?.baseMs ?? 200, maxMs: this.#options.retries?.maxMs ?? 20_000, random: this.#options.random }), request.signal).catch((reason: unknown) => {
        throw transportError(reason, request.operation, this.peerHost(request.bucket), request.signal);
      });
    }
  }

  async #dispatch(request: CosRequest): Promise<Dispatcher.ResponseData> {
    const target = this.target(request.bucket, request.key);
    const query = request.query ?? [];
    const headers: Record<string, string> = { host: target.host };
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    if (request.body) headers['content-length'] = String(request.body.length);
    // undici drops `content-length: 0` on bodiless GET/HEAD/DELETE, so only PUT and POST may sign it.
    else if (request.method === 'PUT' || request.method === 'POST') headers['content-length'] = '0';
    const credentials = await this.credentials();
    if (!request.unsigned) {
      headers.authorization = signCos(
        { method: request.method, pathname: target.signPath, query, headers },
        credentials,
        { startSeconds: Math.round(this.now() / 1000) - 1, expiresSeconds: 900 },
      );
      if (credentials.securityToken) headers['x-cos-security-token'] = credentials.securityToken;
    }
    headers['user-agent'] = 'cos-sync/0.1';
    const search = query.map(([name, value]) => (value === '' ? cosUrlEncode(name) : `${cosUrlEncode(name)}=${cosUrlEncode(value)}`)).join('&');
    const timeouts = this.#options.timeouts ?? {};
    return dispatcherRequest.call(this.#dispatcher, {
      origin: target.origin,
      path: search ? `${target.path}?${search}` : target.path,
      method: request.method,
      headers,
      // undici accepts any async iterable as a body; its typings only list Readable.
      body: request.body ? (request.body.open() as unknown as Readable) : undefined,
      signal: request.signal,
      headersTimeout: timeouts.headers ?? 60_000,
      bodyTimeout: timeouts.bodyIdle ?? 60_000,
    });
  }

  /** Names a write for encryption errors: operation, bucket, this transport's region, key. */
  writeTarget(operation: string, bucket: string, key: string): WriteTarget {
    return { operation, bucket, region: this.region, key };
  }

  /** The host actually connected to (the endpoint's, when one is set), for error messages. */
  peerHost(bucket: string): string {
    return this.#endpoint?.host ?? this.target(bucket).host;
  }

  #log(request: CosRequest, attempt: number, status: number, started: number, code?: string): void {
    this.#logger.log(code ? 'info' : 'debug', 'cos request', {
      operation: request.operation,
      bucket: request.bucket,
      key: request.key,
      attempt: attempt + 1,
      status,
      code,
      ms: Math.round(performance.now() - started),
    });
  }
}

/**
 * The encryption a request asks the server to apply to what it stores: `request.formWrite`'s, or the SSE headers
 * of a PUT/POST (an Upload Part's SSE-C key only unlocks its upload, so parts do not count). Undefined otherwise.
 */
function writeEncryption(request: CosRequest): string | undefined {
  if (request.formWrite !== undefined) return request.formWrite.encryption;
  if ((request.method !== 'PUT' && request.method !== 'POST') || request.query?.some(([name]) => name === 'partNumber')) return undefined;
  return requestedEncryption(request.headers ?? {});
}

/** Reads a response body into one buffer, failing above `limit` bytes. */
async function readAll(body: AsyncIterable<Buffer | Uint8Array>, limit = MAX_BUFFERED): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new CosSyncError('ResponseTooLarge', `The response was larger than ${limit} bytes.`, { retry: 'fatal' });
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(chunks, size);
}
