/** An HTTP proxy on port 0 in front of a COS server (fake or engine) that injects faults: errors, resets, stalls, stripped SSE echo, corrupt CRC. */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { requestedSse } from './requestedSse.ts';

/** What to do to a matching request. */
export type Fault =
  /** Answer with a COS error document instead of forwarding (e.g. 503 SlowDown). */
  | { kind: 'error'; status: number; code: string; message?: string }
  /** Read `afterBytes` of the request body, then reset the connection. */
  | { kind: 'resetRequest'; afterBytes: number }
  /** Forward, then reset the connection after `afterBytes` of the response body (0: before the status line). */
  | { kind: 'resetResponse'; afterBytes: number }
  /** Read the request, never answer. */
  | { kind: 'stall' }
  /** Forward, but remove every SSE header from the response. */
  | { kind: 'stripSse' }
  /** Forward, but replace `x-cos-hash-crc64ecma` with a wrong value. */
  | { kind: 'corruptCrc' };

/** A fault and when it applies. */
export interface FaultRule {
  fault: Fault;
  /** Which requests; default all. */
  match?: (request: IncomingMessage, url: URL) => boolean;
  /** How many matching requests get the fault; default unlimited. */
  times?: number;
}

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Rules, checked in order; the first that matches and has budget applies. Tests may push and clear. */
  rules: FaultRule[];
  /** Requests that received a fault, by kind. */
  injected: Record<string, number>;
  /** Every request seen (method, path with query, the encryption its headers ask for), in arrival order. */
  log: { method: string; url: string; encryption: string | undefined }[];
  close(): Promise<void>;
}

function pickFault(proxy: FaultProxy, request: IncomingMessage, url: URL): Fault | undefined {
  for (const rule of proxy.rules) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    if (rule.match && !rule.match(request, url)) continue;
    if (rule.times !== undefined) rule.times--;
    proxy.injected[rule.fault.kind] = (proxy.injected[rule.fault.kind] ?? 0) + 1;
    return rule.fault;
  }
  return undefined;
}

function errorReply(response: ServerResponse, request: IncomingMessage, fault: Extract<Fault, { kind: 'error' }>): void {
  request.resume();
  request.on('end', () => {
    const requestId = randomUUID();
    const body = `<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>${fault.code}</Code><Message>${fault.message ?? fault.code}</Message><RequestId>${requestId}</RequestId></Error>`;
    response.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-cos-request-id': requestId, date: new Date().toUTCString() });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
}

function forward(upstream: URL, request: IncomingMessage, response: ServerResponse, fault: Fault | undefined): void {
  const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer: IncomingMessage) => {
    if (fault?.kind === 'resetResponse' && fault.afterBytes === 0) {
      answer.resume();
      response.socket?.destroy();
      return;
    }
    const headers = { ...answer.headers };
    if (fault?.kind === 'stripSse') for (const name of Object.keys(headers)) if (name.includes('server-side-encryption')) delete headers[name];
    if (fault?.kind === 'corruptCrc' && headers['x-cos-hash-crc64ecma']) headers['x-cos-hash-crc64ecma'] = '12345';
    response.writeHead(answer.statusCode ?? 502, headers);
    if (fault?.kind === 'resetResponse') {
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = fault.afterBytes - sent;
        if (room <= 0) return;
        response.write(chunk.subarray(0, room));
        sent += Math.min(room, chunk.length);
        if (sent >= fault.afterBytes) setImmediate(() => response.socket?.destroy());
      });
      return;
    }
    answer.pipe(response);
  });
  outgoing.on('error', () => response.socket?.destroy());
  request.pipe(outgoing);
}

/** Starts a proxy on 127.0.0.1, port 0, forwarding to `upstream` (e.g. `http://127.0.0.1:9000`), keeping the Host header. */
export async function startFaultProxy(upstream: string, rules: FaultRule[] = []): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = { endpoint: '', rules, injected: {}, log: [], close: async () => undefined };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    proxy.log.push({ method: request.method ?? 'GET', url: request.url ?? '/', encryption: requestedSse(request.headers) });
    const fault = pickFault(proxy, request, url);
    if (fault?.kind === 'error') return errorReply(response, request, fault);
    if (fault?.kind === 'stall') return void request.resume();
    if (fault?.kind === 'resetRequest') {
      let seen = 0;
      request.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= fault.afterBytes) request.socket.destroy();
      });
      request.on('end', () => request.socket.destroy());
      return;
    }
    forward(target, request, response, fault);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
