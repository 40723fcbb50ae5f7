/** A small in-memory COS server on port 0 for client tests: verifies q-sign signatures with core/protocol, echoes SSE, returns CRC-64. */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBucketHost } from '../../core/protocol/bucketHost.ts';
import { buildErrorXml } from '../../core/protocol/cosError.ts';
import { parseCosAuthorization, verifyCos, verifyPostPolicy } from '../../core/protocol/cosSignature.ts';
import { crc64 } from '../../core/protocol/crc64.ts';
import { errorStatus } from '../../core/protocol/errorCodes.ts';
import { customerKeyMd5, sseHeaders } from '../../core/protocol/serverSideEncryption.ts';
import { headerValue, parseQuery, safeDecode } from '../../core/protocol/signableRequest.ts';
import { fakeCosRoutes } from './fakeCosRoutes.ts';

/** Stored encryption of an object or upload. */
export type FakeSse = { algorithm: 'AES256' } | { algorithm: 'cos/kms'; keyId: string } | { algorithm: 'SSE-C'; keyMd5: string } | undefined;

/** A stored object. */
export interface FakeObject {
  data: Buffer;
  etag: string;
  crc64: string;
  contentType: string;
  metadata: Record<string, string>;
  sse: FakeSse;
  lastModified: Date;
}

/** An upload in progress. */
export interface FakeUpload {
  key: string;
  uploadId: string;
  sse: FakeSse;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, { data: Buffer; etag: string; crc64: bigint }>;
  initiated: Date;
}

/** One request the fake received (for tests that count calls). */
export interface FakeRequestRecord {
  method: string;
  bucket: string;
  key: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

/** A parsed request handed to the routes. */
export interface FakeRequest extends FakeRequestRecord {
  body: Buffer;
  contentType: string;
}

/** Thrown by routes to answer with a COS error. */
export class FakeError extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ?? code);
    this.code = code;
  }
}

/** A route result. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Options of {@link startFakeCos}. */
export interface FakeCosOptions {
  buckets?: string[];
  secretId?: string;
  secretKey?: string;
  /** Server clock (ms); default Date.now. */
  now?: () => number;
  region?: string;
  /** Default page size of listings (objects and parts); COS uses 1000. */
  pageSize?: number;
}

/** The running fake and its state. */
export interface FakeCos {
  endpoint: string;
  port: number;
  credentials: { secretId: string; secretKey: string };
  buckets: Map<string, { objects: Map<string, FakeObject>; uploads: Map<string, FakeUpload>; encryption?: string }>;
  requests: FakeRequestRecord[];
  now: () => number;
  close(): Promise<void>;
}

/** Encryption requested by write headers; throws InvalidArgument for bad values. */
export function requestedSse(headers: Record<string, string | string[] | undefined>): FakeSse {
  const algorithm = headerValue(headers, sseHeaders.algorithm);
  const customer = headerValue(headers, sseHeaders.customerAlgorithm);
  if (algorithm && customer) throw new FakeError('InvalidArgument', 'SSE-COS and SSE-C on one request.');
  if (algorithm === 'AES256') return { algorithm: 'AES256' };
  if (algorithm === 'cos/kms') return { algorithm: 'cos/kms', keyId: headerValue(headers, sseHeaders.kmsKeyId) ?? 'default-cmk' };
  if (algorithm) throw new FakeError('InvalidArgument', `Unknown SSE algorithm ${algorithm}.`);
  if (customer) return { algorithm: 'SSE-C', keyMd5: customerKey(headers, sseHeaders.customerKey, sseHeaders.customerKeyMd5) };
  return undefined;
}

/** Validates an SSE-C triple and returns its key MD5. */
export function customerKey(headers: Record<string, string | string[] | undefined>, keyName: string, md5Name: string): string {
  const key = Buffer.from(headerValue(headers, keyName) ?? '', 'base64');
  const md5 = headerValue(headers, md5Name) ?? '';
  if (key.length !== 32 || customerKeyMd5(key) !== md5) throw new FakeError('InvalidArgument', 'Bad SSE-C key.');
  return md5;
}

/** SSE echo headers for a stored encryption. */
export function sseEcho(sse: FakeSse): Record<string, string> {
  if (!sse) return {};
  if (sse.algorithm === 'AES256') return { [sseHeaders.algorithm]: 'AES256' };
  if (sse.algorithm === 'cos/kms') return { [sseHeaders.algorithm]: 'cos/kms', [sseHeaders.kmsKeyId]: sse.keyId };
  return { [sseHeaders.customerAlgorithm]: 'AES256', [sseHeaders.customerKeyMd5]: sse.keyMd5 };
}

/** ETag and CRC-64 headers of stored bytes. */
export function digestOf(data: Buffer): { etag: string; crc64: string } {
  return { etag: `"${createHash('md5').update(data).digest('hex')}"`, crc64: crc64(data).toString() };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeCos(options: FakeCosOptions = {}): Promise<FakeCos> {
  const credentials = { secretId: options.secretId ?? 'AKIDFAKE0000000000000000000000000000', secretKey: options.secretKey ?? 'fake-secret-key-0000000000000000' };
  const now = options.now ?? (() => Date.now());
  const state: FakeCos = {
    endpoint: '',
    port: 0,
    credentials,
    buckets: new Map((options.buckets ?? ['test-1250000000']).map((name) => [name, { objects: new Map(), uploads: new Map() }])),
    requests: [],
    now,
    close: async () => undefined,
  };
  const lookup = (id: string): string | undefined => (id === credentials.secretId ? credentials.secretKey : undefined);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const base = { 'x-cos-request-id': requestId, server: 'tencent-cos', date: new Date(now()).toUTCString() };
    const send = (reply: FakeReply): void => {
      const body = reply.body ?? '';
      response.writeHead(reply.status ?? 200, { ...base, 'content-length': String(Buffer.byteLength(body)), ...reply.headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const fail = (code: string, message?: string): void => {
      const body = buildErrorXml({ code, message, requestId });
      send({ status: errorStatus(code) ?? 400, headers: { 'content-type': 'application/xml' }, body: request.method === 'HEAD' ? '' : body });
    };
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const host = parseBucketHost(request.headers.host);
      let bucket = host?.bucket ?? '';
      let rawPath = url.pathname;
      if (!host) {
        const slash = rawPath.indexOf('/', 1);
        bucket = safeDecode(slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash));
        rawPath = slash === -1 ? '/' : rawPath.slice(slash);
      }
      const key = safeDecode(rawPath).slice(1);
      const query = parseQuery(url.search);
      const body = await readBody(request);
      const contentType = headerValue(request.headers, 'content-type') ?? '';
      const record: FakeRequest = { method: request.method ?? 'GET', bucket, key, query: Object.fromEntries(query), headers: request.headers, body, contentType };
      state.requests.push({ method: record.method, bucket, key, query: record.query, headers: record.headers });
      const isForm = record.method === 'POST' && key === '' && contentType.startsWith('multipart/form-data');
      if (!isForm) {
        const auth = parseCosAuthorization(headerValue(request.headers, 'authorization') ?? '');
        if (!auth) return fail('AccessDenied', 'Missing Authorization.');
        const verdict = verifyCos({ method: record.method, path: url.pathname, query, headers: request.headers }, auth, lookup, {
          nowSeconds: Math.floor(now() / 1000),
          pathname: safeDecode(rawPath),
        });
        if (!verdict.ok) return fail(verdict.code, verdict.message);
      }
      const md5 = headerValue(request.headers, 'content-md5');
      if (md5 && createHash('md5').update(body).digest('base64') !== md5) return fail('BadDigest');
      const store = state.buckets.get(bucket);
      if (!store) return fail('NoSuchBucket');
      send(fakeCosRoutes(record, store, { bucket, region: options.region ?? 'ap-guangzhou', pageSize: options.pageSize ?? 1000, lookup, verifyPostPolicy }));
    } catch (error) {
      if (error instanceof FakeError) return fail(error.code, error.message);
      fail('InternalError', (error as Error).message);
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.endpoint = `http://127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
