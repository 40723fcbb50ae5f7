/** The headless host: serves the built renderer and the contract over HTTP + server-sent events (127.0.0.1 by default). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isApiMethod } from '../app/apiMethods.ts';
import type { CosSyncApi, CosSyncService } from '../app/contract.ts';
import { CosSyncError } from '../common/errors.ts';
import { checkBindSecurity, urlHost } from '../common/listenAddress.ts';
import { silentLogger, type Logger } from '../common/logger.ts';
import { apiArgumentShapes } from './apiArgumentShapes.ts';
import { checkArguments } from './argumentShape.ts';
import { createEventStreams } from './eventStream.ts';
import { checkOrigin, checkToken, createToken, sameSecret, type Refusal } from './requestGuard.ts';
import { securityHeaders, serveStatic } from './staticFiles.ts';

/** Options of {@link startWebHost}. */
export interface WebHostOptions {
  /** The app service; `receiveUploadBody` is needed only for browser uploads. */
  service: CosSyncApi & Pick<CosSyncService, 'on'> & Partial<Pick<CosSyncService, 'receiveUploadBody'>>;
  /** Port to bind; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind (default 127.0.0.1). Beyond loopback the UI is refused without TLS unless `insecureHttp` (`InsecureBind`). */
  host?: string;
  /** Serve plain HTTP on a non-loopback address anyway (logged as a warning). */
  insecureHttp?: boolean;
  /** Serve HTTPS with this PEM certificate (chain) and key. */
  tls?: { cert: string; key: string };
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** Access token; a random 32-byte base64url token when omitted. */
  token?: string;
  /** Largest JSON request body. Default 1 MiB. */
  maxJsonBytes?: number;
  /** SSE keep-alive interval. Default 15 s. */
  heartbeatMs?: number;
  logger?: Logger;
}

/** A running web host. */
export interface WebHost {
  /** Address to open in a browser, including `?token=…`. */
  url: string;
  /** Address without the token. */
  origin: string;
  port: number;
  token: string;
  /** Ends event streams and open connections and stops listening. */
  close(): Promise<void>;
}

const uploadPath = /^\/api\/upload\/([A-Za-z0-9._-]{1,200})\/(\d{1,6})$/;

function sendJson(response: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...extra });
  response.end(text);
}

function refuse(response: ServerResponse, refusal: Refusal): void {
  const { status, ...error } = refusal;
  sendJson(response, status, error);
}

async function readBody(request: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the host and resolves once it listens. The caller owns it and must `close()` it. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const bound = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const warning = checkBindSecurity({ host: bound, tls: options.tls !== undefined, insecureHttp: options.insecureHttp });
  if (warning) logger.log('warn', warning);
  const { service, staticDir } = options;
  const token = options.token ?? createToken();
  const maxJsonBytes = options.maxJsonBytes ?? 1024 * 1024;
  const streams = createEventStreams(options.heartbeatMs);
  const unsubscribe = service.on((event) => streams.broadcast(event));
  let port = 0;

  const failure = (response: ServerResponse, error: unknown, what: string): void => {
    if (error instanceof CosSyncError) {
      sendJson(response, 422, { code: error.code, message: error.message, hint: error.hint, retry: error.retry });
      return;
    }
    logger.log('error', `web host: ${what} failed`, { error: error instanceof Error ? error.message : String(error) });
    sendJson(response, 500, { code: 'Internal', message: 'The service failed unexpectedly.', hint: 'See the log of `cos-sync serve` for details.' });
  };

  const callMethod = async (request: IncomingMessage, response: ServerResponse, name: string): Promise<void> => {
    if (!isApiMethod(name)) return sendJson(response, 404, { code: 'UnknownMethod', message: `There is no API method '${name}'.` });
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return sendJson(response, 415, { code: 'BadContentType', message: 'API calls must send Content-Type: application/json.' });
    }
    const body = await readBody(request, maxJsonBytes);
    if (body === null) return sendJson(response, 413, { code: 'TooLarge', message: `The request body exceeds ${maxJsonBytes} bytes.` });
    let args: unknown;
    try {
      args = body.trim() === '' ? [] : JSON.parse(body);
    } catch {
      return sendJson(response, 400, { code: 'BadJson', message: 'The request body is not valid JSON.', hint: 'Send the arguments as a JSON array.' });
    }
    const problem = checkArguments(args, apiArgumentShapes[name]);
    if (problem) return sendJson(response, 400, { code: 'BadArguments', message: `${name}: ${problem}.`, hint: 'Check the arguments against core/app/contract.ts.' });
    try {
      const method = service[name] as (...values: unknown[]) => Promise<unknown>;
      const result = await method.apply(service, args as unknown[]);
      sendJson(response, 200, { result: result ?? null });
    } catch (error) {
      failure(response, error, name);
    }
  };

  const receiveUpload = async (request: IncomingMessage, response: ServerResponse, uploadId: string, index: number): Promise<void> => {
    if (!service.receiveUploadBody) return sendJson(response, 501, { code: 'UploadUnsupported', message: 'This service does not accept upload bodies.' });
    if (request.headers['content-length'] === undefined) {
      return sendJson(response, 411, { code: 'LengthRequired', message: 'Upload bodies must declare Content-Length.' });
    }
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort(new CosSyncError('Cancelled', 'The browser closed the upload.', { retry: 'cancelled' }));
    });
    try {
      const result = await service.receiveUploadBody(uploadId, index, request, abort.signal);
      sendJson(response, 200, { result });
    } catch (error) {
      if (response.headersSent || response.destroyed) return;
      if (error instanceof CosSyncError && error.code === 'UploadBodyInProgress') sendJson(response, 409, { code: error.code, message: error.message, hint: error.hint });
      else failure(response, error, 'upload body');
    }
  };

  const handleApi = async (request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> => {
    const refusal = checkToken(request, token);
    if (refusal) return refuse(response, refusal);
    if (pathname === '/api/events') {
      if (request.method !== 'GET') return sendJson(response, 405, { code: 'MethodNotAllowed', message: 'Use GET for /api/events.' }, { allow: 'GET' });
      const snapshot = await service.getSnapshot();
      streams.open(response, [{ type: 'snapshot-changed', snapshot }]);
      return;
    }
    const upload = uploadPath.exec(pathname);
    if (upload) {
      if (request.method !== 'PUT') return sendJson(response, 405, { code: 'MethodNotAllowed', message: 'Use PUT for upload bodies.' }, { allow: 'PUT' });
      return receiveUpload(request, response, upload[1]!, Number(upload[2]));
    }
    if (request.method !== 'POST') return sendJson(response, 405, { code: 'MethodNotAllowed', message: 'Use POST for API calls.' }, { allow: 'POST' });
    return callMethod(request, response, pathname.slice('/api/'.length));
  };

  const handlePage = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { code: 'MethodNotAllowed', message: 'Pages are read with GET.' }, { allow: 'GET, HEAD' });
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameSecret(given, token)) return refuse(response, { status: 401, code: 'Unauthorized', message: 'This access token is not valid.', hint: 'Open the full address printed by `cos-sync serve`.' });
      // The page keeps the token in this tab's sessionStorage, drops it from the address bar and sends it as a bearer
      // header: no cookie, which the browser would also hand to every other port of 127.0.0.1.
    }
    const served = await serveStatic(request, response, url.pathname, staticDir);
    if (!served) sendJson(response, 404, { code: 'NotFound', message: `Nothing at ${url.pathname}.`, hint: url.pathname === '/' ? 'Build the renderer first: npm run build.' : undefined });
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const refusal = checkOrigin(request, port, bound);
    if (refusal) return refuse(response, refusal);
    let url: URL;
    try {
      url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendJson(response, 400, { code: 'BadRequest', message: 'The request address is malformed.' });
    }
    const work = url.pathname === '/api' || url.pathname.startsWith('/api/') ? handleApi(request, response, url.pathname) : handlePage(request, response, url);
    work.catch((error: unknown) => {
      if (!response.headersSent) failure(response, error, url.pathname);
      else response.destroy();
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
  server.requestTimeout = 0; // uploads and event streams may legitimately last long

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bound, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://${bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : urlHost(bound)}:${port}`;
  logger.log('info', 'web host listening', { origin });

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      unsubscribe();
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
