/** A counting HTTP proxy on port 0 in front of the engine: logs every request (with the encryption it asked for) and its answer, can slow request bodies and hold requests. */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform } from 'node:stream';
import { requestedSse } from '../fakes/requestedSse.ts';

/** One request seen by the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path without the query, decoded. */
  path: string;
  query: URLSearchParams;
  /** HTTP status of the answer, once it was sent back (undefined while in flight or when dropped). */
  status?: number;
  /** The encryption the request asked for: the x-cos-/x-amz-server-side-encryption value, `SSE-C`, or undefined. */
  encryption: string | undefined;
}

/** A running proxy. */
export interface CountingProxy {
  endpoint: string;
  port: number;
  log: ProxiedRequest[];
  /** Request body rate limit in bytes/s per request (0 = none); may be changed at any time. */
  bytesPerSecond: number;
  /** Requests matching this are read but never forwarded or answered (a stall); may be changed at any time. */
  hold: ((request: ProxiedRequest) => boolean) | undefined;
  /** Upload Part requests (PUT with partNumber and uploadId), by part number. */
  partRequests(): Map<number, number>;
  /** Simple PUT Object requests (no query), by path. */
  putRequests(): Map<string, number>;
  close(): Promise<void>;
}

function throttle(proxy: CountingProxy): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const rate = proxy.bytesPerSecond;
      if (rate <= 0) return callback(null, chunk);
      setTimeout(() => callback(null, chunk), (chunk.length / rate) * 1000);
    },
  });
}

/** Starts a proxy on 127.0.0.1 (port 0, or `port`) forwarding to `upstream`, keeping the Host header. */
export async function startCountingProxy(upstream: string, port = 0): Promise<CountingProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const log: ProxiedRequest[] = [];
  const proxy: CountingProxy = {
    endpoint: '',
    port: 0,
    log,
    bytesPerSecond: 0,
    hold: undefined,
    partRequests() {
      const counts = new Map<number, number>();
      for (const entry of log) {
        const part = entry.query.get('partNumber');
        if (entry.method === 'PUT' && part && entry.query.has('uploadId')) counts.set(Number(part), (counts.get(Number(part)) ?? 0) + 1);
      }
      return counts;
    },
    putRequests() {
      const counts = new Map<string, number>();
      for (const entry of log) if (entry.method === 'PUT' && [...entry.query.keys()].length === 0) counts.set(entry.path, (counts.get(entry.path) ?? 0) + 1);
      return counts;
    },
    close: async () => undefined,
  };
  const server: Server = createServer((incoming: IncomingMessage, response) => {
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const entry: ProxiedRequest = { method: incoming.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, encryption: requestedSse(incoming.headers) };
    log.push(entry);
    if (proxy.hold?.(entry)) return void incoming.resume();
    const outgoing = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      entry.status = answer.statusCode;
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on('error', () => response.socket?.destroy());
    incoming.on('error', () => outgoing.destroy());
    incoming.pipe(throttle(proxy)).pipe(outgoing);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.endpoint = `http://127.0.0.1:${proxy.port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
