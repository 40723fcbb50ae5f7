/** The engine's HTTP(S) server with its connection limits: open connections, idle time, header time, keep-alive, parse errors as COS XML. */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { buildErrorXml, cosError } from '../protocol/cosError.ts';
import type { EngineContext } from './api/engineContext.ts';
import { newRequestId } from './http/engineResponse.ts';
import { handleRequest } from './requestHandler.ts';

/** Connection limits of the engine's server (documented in README "Limits"). */
export interface EngineLimits {
  /** Open connections at once; further connections are closed at once. Default 1024. */
  maxConnections: number;
  /** A connection on which no byte moves either way for this long is answered 400 RequestTimeOut (when it can be) and closed. Default 60 s. */
  idleTimeoutMs: number;
  /** The whole request head must arrive within this time (slow-header clients get 408). Default 30 s. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this time. Default 5 s. */
  keepAliveTimeoutMs: number;
}

/** The defaults of {@link EngineLimits}. */
export const DEFAULT_ENGINE_LIMITS: EngineLimits = { maxConnections: 1024, idleTimeoutMs: 60_000, headersTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };

/** Largest request head Node's parser accepts (the engine itself refuses more than 8 KiB with a COS error). */
const MAX_PARSER_HEADER_BYTES = 64 * 1024;

function errorText(status: number, reason: string, code: string, message: string): string {
  const requestId = newRequestId();
  const body = buildErrorXml({ code, message, requestId });
  return `HTTP/1.1 ${status} ${reason}\r\nServer: tencent-cos\r\nDate: ${new Date().toUTCString()}\r\nx-cos-request-id: ${requestId}\r\nContent-Type: application/xml\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function clientErrorResponse(error: Error & { code?: string }): string {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errorText(408, 'Request Timeout', 'RequestTimeOut', 'The request head did not arrive in time.');
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  return errorText(400, 'Bad Request', tooLarge ? 'InvalidArgument' : 'InvalidRequest', tooLarge ? 'The request headers are too large.' : 'The HTTP request could not be parsed.');
}

/**
 * Answers a stalled request 400 RequestTimeOut (as COS does) and closes its connection; a stalled answer is just
 * closed. The request stream is failed explicitly: once its answer has gone out, Node no longer aborts it when the
 * socket closes, and a handler still reading the body would wait for good, holding its temporary blob open.
 */
function timeOut(socket: Socket, exchange: { req: IncomingMessage; res: ServerResponse } | undefined, servedBefore: boolean): void {
  const fail = (): void => {
    exchange?.req.destroy(cosError('RequestTimeOut'));
    socket.destroy();
  };
  // Node signals the end of a kept-alive connection's idle time with this same event: close it without a word, as
  // Node would (an answer there could meet the client's next request on the wire).
  if (!exchange && servedBefore) {
    socket.destroy();
    return;
  }
  if (!exchange && socket.writable) {
    // No request yet (a head still arriving): the same answer as a head that took too long.
    socket.end(errorText(408, 'Request Timeout', 'RequestTimeOut', 'The request head did not arrive in time.'));
    setTimeout(fail, 2_000).unref();
    return;
  }
  if (!exchange || exchange.res.headersSent || socket.destroyed) {
    fail();
    return;
  }
  const { res } = exchange;
  const requestId = String(res.getHeader('x-cos-request-id') ?? newRequestId());
  const body = buildErrorXml({ code: 'RequestTimeOut', requestId });
  res.writeHead(400, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' });
  res.end(body, fail);
  // A client that does not read the answer either must not keep the connection.
  setTimeout(fail, 2_000).unref();
}

/** A server for `ctx` with `limits`, over TLS when `tls` is given; the caller listens and closes. `closing()` makes finished requests drop their connection. */
export function createEngineServer(ctx: EngineContext, limits: EngineLimits, tls?: { cert: string | Buffer; key: string | Buffer }): { server: Server; closing(): void } {
  let closing = false;
  const inFlight = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  const served = new WeakSet<Socket>();
  const options = { maxHeaderSize: MAX_PARSER_HEADER_BYTES, requestTimeout: 0, headersTimeout: limits.headersTimeoutMs, keepAliveTimeout: Math.min(limits.keepAliveTimeoutMs, limits.idleTimeoutMs), requireHostHeader: false, connectionsCheckingInterval: 1000 };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight.set(req.socket, { req, res });
    res.on('close', () => {
      served.add(req.socket);
      if (inFlight.get(req.socket)?.res === res) inFlight.delete(req.socket);
      if (closing) server.closeIdleConnections();
    });
    handleRequest(ctx, req, res).catch(() => res.destroy());
  };
  // An https.Server is an http.Server as far as every caller here is concerned (listen, close, limits, events).
  const server = (tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(options, onRequest)) as Server;
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => timeOut(socket, inFlight.get(socket), served.has(socket)));
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (socket.writable && !socket.destroyed) socket.end(clientErrorResponse(error));
    else socket.destroy();
  });
  return {
    server,
    closing() {
      closing = true;
    },
  };
}
