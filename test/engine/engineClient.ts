/** Test helper: a tiny COS client that signs requests with signCos and talks to an engine started on a temp dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEngine, type EngineHandle, type EngineOptions } from '../../core/engine/startEngine.ts';
import { encodeKeyPath } from '../../core/protocol/cosUrlEncode.ts';
import { signCos } from '../../core/protocol/cosSignature.ts';

/** A response with its body. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** Options of one request. */
export interface TestRequest {
  method?: string;
  bucket?: string;
  key?: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send unsigned. */
  anonymous?: boolean;
  /** `virtual` (default): Host is the bucket's COS host; `s3-virtual`: Host is `<bucket>.localhost`; `path`: /bucket/key on 127.0.0.1. */
  style?: 'virtual' | 's3-virtual' | 'path';
  /** Raw path instead of the encoded key. */
  rawPath?: string;
  secretKey?: string;
}

/** Sends one HTTP request and buffers the answer. */
export function send(port: number, options: { method: string; path: string; headers: Record<string, string>; body?: Buffer }): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A started engine on a temp dir plus a signing client; `close()` stops it and removes the dir. */
export class TestEngine {
  readonly engine: EngineHandle;
  readonly dir: string;
  readonly bucket = 'test-1250000000';

  private constructor(engine: EngineHandle, dir: string) {
    this.engine = engine;
    this.dir = dir;
  }

  /** Starts an engine with the test bucket on port 0. */
  static async start(options: Partial<EngineOptions> = {}, dir?: string): Promise<TestEngine> {
    const dataDir = dir ?? (await mkdtemp(path.join(tmpdir(), 'engine-test-')));
    const engine = await startEngine({ dataDir, port: 0, buckets: ['test-1250000000'], ...options });
    return new TestEngine(engine, dataDir);
  }

  /** Sends a COS-signed request (unless anonymous). */
  async request(options: TestRequest): Promise<TestResponse> {
    const method = options.method ?? 'GET';
    const bucket = options.bucket ?? this.bucket;
    const key = options.key ?? '';
    const style = options.style ?? 'virtual';
    const host = style === 'virtual' ? `${bucket}.cos.${this.engine.region}.myqcloud.com` : style === 's3-virtual' ? `${bucket}.localhost:${this.engine.port}` : `127.0.0.1:${this.engine.port}`;
    const query = options.query ?? [];
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    const headers: Record<string, string> = { host, ...options.headers };
    if ((body !== undefined || method === 'PUT' || method === 'POST') && headers['transfer-encoding'] === undefined) headers['content-length'] ??= String(body?.length ?? 0);
    const keyPath = `/${encodeKeyPath(key)}`;
    const wirePath = options.rawPath ?? (style === 'path' ? `/${bucket}${key === '' ? '/' : keyPath}` : keyPath);
    const search = query.map(([name, value]) => (value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)).join('&');
    if (!options.anonymous) {
      headers.authorization = signCos(
        { method, pathname: `/${key}`, query, headers },
        { secretId: this.engine.credentials.secretId, secretKey: options.secretKey ?? this.engine.credentials.secretKey },
        { startSeconds: Math.floor(Date.now() / 1000) - 1 },
      );
    }
    return send(this.engine.port, { method, path: search ? `${wirePath}?${search}` : wirePath, headers, body });
  }

  /** Stops the engine and removes the temp dir (unless `keepDir`). */
  async close(keepDir = false): Promise<void> {
    await this.engine.close();
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }
}
