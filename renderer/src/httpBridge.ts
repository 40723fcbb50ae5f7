/** The browser bridge: contract calls as POST /api/<method>, events over server-sent events, upload bodies by PUT, all with the tab's bearer token. */
import type { AppEvent, AppEventListener, CosSyncApi, CosSyncBridge, CosSyncMethod, UploadFileResult } from '../../core/app/contract.ts';
import { sessionToken } from './sessionToken.ts';

/** An API failure carrying the contract's error fields. */
export class ApiError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly status: number;
  constructor(code: string, message: string, hint: string | undefined, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.hint = hint;
    this.status = status;
  }
}

/** Connection state of the event stream, for a "reconnecting" banner. */
export type ConnectionState = 'connecting' | 'open' | 'lost' | 'unauthorized';

// Record<CosSyncMethod, true> makes this list fail to compile when the contract gains a method.
const methodNames: Record<CosSyncMethod, true> = {
  getSnapshot: true, listFiles: true, listActivity: true, addFolder: true, removeFolder: true, pauseFolder: true, resumeFolder: true,
  pauseAll: true, resumeAll: true, rescanFolder: true, retryFailed: true, confirmDeletes: true, listFileVersions: true, restoreFileVersion: true,
  getSettings: true, updateSettings: true, testProfile: true, startUpload: true, cancelUpload: true, startBucketJob: true, controlBucketJob: true,
  listBucketJobs: true, getEngineStatus: true, rotateEngineKey: true,
};

async function readResult(response: Response): Promise<unknown> {
  const body = (await response.json().catch(() => null)) as { result?: unknown; code?: string; message?: string; hint?: string } | null;
  if (!response.ok || body === null) {
    throw new ApiError(body?.code ?? 'HttpError', body?.message ?? `The server answered ${response.status}.`, body?.hint, response.status);
  }
  return body.result;
}

/** Splits server-sent event text into the `data` payloads of complete frames; returns them and the unfinished rest. */
function parseEventFrames(text: string): { data: string[]; rest: string } {
  const data: string[] = [];
  const frames = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = frames.pop() ?? '';
  for (const frame of frames) {
    const lines = frame.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (lines.length > 0) data.push(lines.join('\n'));
  }
  return { data, rest };
}

/**
 * Creates the HTTP bridge for the page's own origin; `onConnection` hears event-stream state changes. Every request
 * carries the tab's token as `Authorization: Bearer` (see sessionToken.ts); the event stream is read with fetch,
 * because EventSource cannot send that header, and reconnects after 2 s when it drops.
 */
export function createHttpBridge(onConnection: (state: ConnectionState) => void = () => {}): CosSyncBridge {
  sessionToken(); // take the token out of the address bar at once
  const listeners = new Set<AppEventListener>();
  let stream: AbortController | null = null;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => {
    const token = sessionToken();
    return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
  };

  const call = async (method: CosSyncMethod, args: unknown[]): Promise<unknown> => {
    const response = await fetch(`/api/${method}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(args), credentials: 'omit' });
    if (response.status === 401) onConnection('unauthorized');
    return readResult(response);
  };

  const reconnectLater = (): void => {
    stream = null;
    onConnection('lost');
    setTimeout(() => {
      if (!stream && listeners.size > 0) connect();
    }, 2000);
  };

  const read = async (controller: AbortController): Promise<void> => {
    const response = await fetch('/api/events', { headers: headers({ accept: 'text/event-stream' }), credentials: 'omit', cache: 'no-store', signal: controller.signal });
    if (response.status === 401) {
      stream = null;
      onConnection('unauthorized');
      return;
    }
    if (!response.ok || !response.body) throw new Error(`The event stream answered ${response.status}.`);
    onConnection('open');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const { data, rest } = parseEventFrames(buffer + value);
      buffer = rest;
      for (const payload of data) {
        const event = JSON.parse(payload) as AppEvent;
        for (const listener of listeners) listener(event);
      }
    }
    throw new Error('The event stream ended.');
  };

  const connect = (): void => {
    onConnection('connecting');
    const controller = new AbortController();
    stream = controller;
    read(controller).catch(() => {
      if (!controller.signal.aborted && stream === controller) reconnectLater();
    });
  };

  const api = Object.fromEntries(Object.keys(methodNames).map((name) => [name, (...args: unknown[]) => call(name as CosSyncMethod, args)])) as unknown as CosSyncApi;

  return {
    ...api,
    kind: 'browser',
    subscribe(listener) {
      listeners.add(listener);
      if (!stream) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
    async uploadBody(uploadId, index, body) {
      const response = await fetch(`/api/upload/${encodeURIComponent(uploadId)}/${index}`, { method: 'PUT', headers: headers({ 'content-type': 'application/octet-stream' }), body, credentials: 'omit' });
      return (await readResult(response)) as UploadFileResult;
    },
  };
}
