/** The running engine's local admin channel: key status, rotate, rewrap (streamed progress) and retire for `cos-sync keys`. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CosSyncError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { writeFileAtomic } from '../../crypto/index.ts';
import type { EngineKeys } from '../keys/keyService.ts';
import { ADMIN_FILE, ADMIN_PREFIX, ADMIN_SOCKET, type AdminAddress } from './adminFile.ts';

/** Options of {@link startAdminChannel}. */
export interface AdminChannelOptions {
  dataDir: string;
  keys: EngineKeys;
  logger: Logger;
  /** `socket` (default on POSIX) or `tcp` (loopback; the default on Windows and for over-long socket paths). */
  transport?: 'socket' | 'tcp';
}

/** A listening admin channel. */
export interface AdminChannel {
  address: AdminAddress;
  /** Stops listening, ends running requests (a running rewrap stops after its batch) and removes DATA/admin.json. */
  close(): Promise<void>;
}

/** Longest Unix socket path every supported OS accepts (macOS: 104 bytes with the terminator). */
const MAX_SOCKET_PATH = 100;
const MAX_BODY = 16 * 1024;

function sameToken(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(text);
}

function errorStatus(code: string): number {
  if (code === 'KeyNotFound' || code === 'NotFound') return 404;
  if (code === 'KeyInUse') return 409;
  return 400;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new CosSyncError('InvalidArgument', `An admin request body is at most ${MAX_BODY} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new CosSyncError('InvalidArgument', 'An admin request body must be a JSON object.');
}

const optionalString = (value: unknown, name: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new CosSyncError('InvalidArgument', `${name} must be a string.`);
  return value;
};

/** Streams rewrap progress as NDJSON lines (`{"progress":…}` after each batch, then `{"result":…}`); the client leaving stops the sweep. */
async function streamRewrap(keys: EngineKeys, body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const batchSize = body.batchSize === undefined ? undefined : Number(body.batchSize);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= 10_000)) throw new CosSyncError('InvalidArgument', 'batchSize must be 1 to 10000.');
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const result = await keys.rewrap({ ...(batchSize ? { batchSize } : {}), signal: abort.signal, onProgress: (progress) => res.write(`${JSON.stringify({ progress })}\n`) });
  res.end(`${JSON.stringify({ result, interrupted: abort.signal.aborted })}\n`);
  void req;
}

async function route(keys: EngineKeys, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = `${req.method ?? ''} ${req.url ?? ''}`;
  switch (name) {
    case `GET ${ADMIN_PREFIX}/keys/status`:
      return sendJson(res, 200, { status: await keys.status() });
    case `POST ${ADMIN_PREFIX}/keys/rotate`: {
      const body = await readJson(req);
      return sendJson(res, 200, { rotated: await keys.rotate(optionalString(body.keyId, 'keyId')) });
    }
    case `POST ${ADMIN_PREFIX}/keys/rewrap`:
      return streamRewrap(keys, await readJson(req), req, res);
    case `POST ${ADMIN_PREFIX}/keys/retire`: {
      const body = await readJson(req);
      if (!Number.isInteger(body.version) || (body.version as number) < 1) throw new CosSyncError('InvalidArgument', 'version must be a positive whole number.');
      await keys.retire(body.version as number, optionalString(body.keyId, 'keyId'));
      return sendJson(res, 200, { retired: body.version });
    }
    default:
      throw new CosSyncError('NotFound', `The admin channel has no ${name}.`);
  }
}

function listen(server: Server, target: string | number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target, '127.0.0.1', done);
  });
}

/**
 * Serves the admin channel for the engine that owns `dataDir` (the caller holds the engine lock): a Unix socket
 * DATA/admin.sock (0600, in the 0700 data directory), or a loopback port on Windows; either way every request must
 * carry the random bearer token of DATA/admin.json (0600), so neither other users nor the network can use it.
 */
export async function startAdminChannel(options: AdminChannelOptions): Promise<AdminChannel> {
  const token = randomBytes(32).toString('base64url');
  const socketPath = path.join(options.dataDir, ADMIN_SOCKET);
  const transport = options.transport ?? (process.platform === 'win32' || Buffer.byteLength(socketPath) > MAX_SOCKET_PATH ? 'tcp' : 'socket');
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ') || !sameToken(authorization.slice(7), token)) {
      sendJson(res, 401, { code: 'Unauthorized', message: 'The admin token is missing or wrong.' });
      return;
    }
    route(options.keys, req, res).catch((error: unknown) => {
      const failure = error instanceof CosSyncError ? error : undefined;
      if (!failure) options.logger.log('error', 'admin request failed', { error: error instanceof Error ? error.message : String(error) });
      if (res.headersSent) res.destroy();
      else sendJson(res, failure ? errorStatus(failure.code) : 500, { code: failure?.code ?? 'InternalError', message: failure?.message ?? 'The admin request failed.', hint: failure?.hint });
    });
  });
  let address: AdminAddress;
  if (transport === 'socket') {
    // A socket left by a killed engine; the caller holds the data dir's lock, so no live engine owns it.
    await unlink(socketPath).catch(() => {});
    await listen(server, socketPath);
    await chmod(socketPath, 0o600);
    address = { pid: process.pid, socket: socketPath, token };
  } else {
    await listen(server, 0);
    address = { pid: process.pid, port: (server.address() as AddressInfo).port, token };
  }
  const file = path.join(options.dataDir, ADMIN_FILE);
  try {
    await writeFileAtomic(file, `${JSON.stringify(address)}\n`, 0o600);
  } catch (error) {
    server.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= (async () => {
        await unlink(file).catch(() => {});
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}
