/** Server-sent events for the web host: one stream per browser tab, fed by the service's events. */
import type { ServerResponse } from 'node:http';
import type { AppEvent } from '../app/contract.ts';
import { securityHeaders } from './staticFiles.ts';

/** The open event streams of one host. */
export interface EventStreams {
  /** Starts an SSE response, sends `first` events, and keeps the stream until the client leaves. */
  open(response: ServerResponse, first: AppEvent[]): void;
  /** Sends one event to every open stream. */
  broadcast(event: AppEvent): void;
  /** Number of open streams. */
  readonly size: number;
  /** Ends every stream and stops the heartbeat. */
  close(): void;
}

/** Bytes a stream may have queued unsent before its reader counts as gone; an EventSource reconnects and gets a fresh snapshot. */
export const MAX_QUEUED_EVENT_BYTES = 4 * 1024 * 1024;

/** Creates the stream set; a comment line every `heartbeatMs` keeps proxies and idle timers from closing it. */
export function createEventStreams(heartbeatMs = 15_000): EventStreams {
  const streams = new Set<ServerResponse>();
  let sequence = 0;
  // A client that stops reading would otherwise make the host queue every later event for it in memory, without end.
  const send = (stream: ServerResponse, text: string): void => {
    if (stream.writableLength > MAX_QUEUED_EVENT_BYTES) {
      streams.delete(stream);
      stream.destroy();
      return;
    }
    stream.write(text);
  };
  const heartbeat = setInterval(() => {
    for (const stream of streams) send(stream, ': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  const frame = (event: AppEvent): string => {
    sequence += 1;
    return `id: ${sequence}\ndata: ${JSON.stringify(event)}\n\n`;
  };

  return {
    open(response, first) {
      response.writeHead(200, {
        ...securityHeaders,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write('retry: 2000\n\n');
      for (const event of first) response.write(frame(event));
      streams.add(response);
      response.on('close', () => streams.delete(response));
    },
    broadcast(event) {
      if (streams.size === 0) return;
      const text = frame(event);
      for (const stream of streams) send(stream, text);
    },
    get size() {
      return streams.size;
    },
    close() {
      clearInterval(heartbeat);
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}
