/** The browser bridge: contract calls as POST /api/<method>, events over server-sent events, upload bodies by PUT. */
import type { AppEvent, AppEventListener, CosSyncApi, CosSyncBridge, CosSyncMethod, UploadFileResult } from '../../core/app/contract.ts';

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
  pauseAll: true, resumeAll: true, rescanFolder: true, retryFailed: true, confirmDeletes: true, getSettings: true, updateSettings: true,
  testProfile: true, startUpload: true, cancelUpload: true, startBucketJob: true, controlBucketJob: true, listBucketJobs: true, getEngineStatus: true,
  rotateEngineKey: true,
};

async function readResult(response: Response): Promise<unknown> {
  const body = (await response.json().catch(() => null)) as { result?: unknown; code?: string; message?: string; hint?: string } | null;
  if (!response.ok || body === null) {
    throw new ApiError(body?.code ?? 'HttpError', body?.message ?? `The server answered ${response.status}.`, body?.hint, response.status);
  }
  return body.result;
}

/** Creates the HTTP bridge for the page's own origin; `onConnection` hears event-stream state changes. */
export function createHttpBridge(onConnection: (state: ConnectionState) => void = () => {}): CosSyncBridge {
  const listeners = new Set<AppEventListener>();
  let source: EventSource | null = null;

  const call = async (method: CosSyncMethod, args: unknown[]): Promise<unknown> => {
    const response = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args), credentials: 'same-origin' });
    if (response.status === 401) onConnection('unauthorized');
    return readResult(response);
  };

  // The stream was refused or dropped for good: a plain call tells "bad token" from "server gone".
  const diagnose = async (): Promise<void> => {
    const status = await fetch('/api/getSnapshot', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' }).then((response) => response.status, () => 0);
    onConnection(status === 401 ? 'unauthorized' : 'lost');
    if (status !== 401 && listeners.size > 0) setTimeout(connect, 3000);
  };

  const connect = (): void => {
    onConnection('connecting');
    source = new EventSource('/api/events');
    source.addEventListener('open', () => onConnection('open'));
    source.addEventListener('message', (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as AppEvent;
      for (const listener of listeners) listener(event);
    });
    source.addEventListener('error', () => {
      // EventSource reconnects by itself unless the server refused (then readyState is CLOSED).
      if (source?.readyState === EventSource.CLOSED) {
        source = null;
        void diagnose();
      } else onConnection('lost');
    });
  };

  const api = Object.fromEntries(Object.keys(methodNames).map((name) => [name, (...args: unknown[]) => call(name as CosSyncMethod, args)])) as unknown as CosSyncApi;

  return {
    ...api,
    kind: 'browser',
    subscribe(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    async uploadBody(uploadId, index, body) {
      const response = await fetch(`/api/upload/${encodeURIComponent(uploadId)}/${index}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body, credentials: 'same-origin' });
      return (await readResult(response)) as UploadFileResult;
    },
  };
}
