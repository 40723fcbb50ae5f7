/** Client of a running engine's admin channel (DATA/admin.json): the key operations of `cos-sync keys`, done by the engine itself. */
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { CosSyncError } from '../../common/errors.ts';
import type { KeyVersionStatus, RewrapOptions, RewrapResult } from '../keys/keyService.ts';
import { ADMIN_PREFIX, type AdminAddress } from './adminFile.ts';

/** The key operations every way of reaching a data directory offers (live through the engine, or offline). */
export interface KeyOperations {
  status(): Promise<KeyVersionStatus[]>;
  rotate(keyId?: string): Promise<{ keyId: string; version: number }>;
  /** Resolves with the result; `interrupted` is true when `signal` stopped it early (what was done stays done). */
  rewrap(options?: RewrapOptions): Promise<RewrapResult & { interrupted?: boolean }>;
  retire(version: number, keyId?: string): Promise<void>;
}

function unreachable(error: unknown): CosSyncError {
  return new CosSyncError('AdminUnreachable', 'The running engine does not answer on its admin channel.', {
    retry: 'retry', cause: error, hint: 'Check that the engine process is healthy (DATA/admin.json names its pid), or stop it and run the command again.',
  });
}

/** Talks to the admin channel at `address`; every call is one request with the bearer token. */
export class AdminClient implements KeyOperations {
  readonly #address: AdminAddress;

  constructor(address: AdminAddress) {
    this.#address = address;
  }

  #open(method: string, pathname: string, body: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const target = this.#address.socket !== undefined ? { socketPath: this.#address.socket } : { host: '127.0.0.1', port: this.#address.port };
    return new Promise((resolve, reject) => {
      const outgoing = request({
        ...target, method, path: `${ADMIN_PREFIX}${pathname}`, agent: false, signal,
        headers: { authorization: `Bearer ${this.#address.token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      }, resolve);
      outgoing.on('error', (error) => reject(signal?.aborted ? error : unreachable(error)));
      outgoing.end(text);
    });
  }

  async #call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const response = await this.#open(method, pathname, body);
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    if (response.statusCode !== 200) {
      throw new CosSyncError(String(parsed.code ?? 'AdminFailed'), String(parsed.message ?? `The admin channel answered ${response.statusCode}.`), {
        hint: typeof parsed.hint === 'string' ? parsed.hint : undefined,
      });
    }
    return parsed as T;
  }

  async status(): Promise<KeyVersionStatus[]> {
    return (await this.#call<{ status: KeyVersionStatus[] }>('GET', '/keys/status')).status;
  }

  async rotate(keyId?: string): Promise<{ keyId: string; version: number }> {
    return (await this.#call<{ rotated: { keyId: string; version: number } }>('POST', '/keys/rotate', keyId === undefined ? {} : { keyId })).rotated;
  }

  async retire(version: number, keyId?: string): Promise<void> {
    await this.#call('POST', '/keys/retire', { version, ...(keyId === undefined ? {} : { keyId }) });
  }

  async rewrap(options: RewrapOptions = {}): Promise<RewrapResult & { interrupted?: boolean }> {
    // Our own controller: aborting it closes the connection, which makes the engine stop the sweep after its batch.
    const local = new AbortController();
    const forward = (): void => local.abort();
    options.signal?.addEventListener('abort', forward, { once: true });
    let last: RewrapResult = { rewrapped: 0, failed: 0, remaining: 0 };
    try {
      const response = await this.#open('POST', '/keys/rewrap', options.batchSize === undefined ? {} : { batchSize: options.batchSize }, local.signal);
      if (response.statusCode !== 200) {
        const chunks: Buffer[] = [];
        for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { code?: string; message?: string };
        throw new CosSyncError(parsed.code ?? 'AdminFailed', parsed.message ?? `The admin channel answered ${response.statusCode}.`);
      }
      for await (const line of createInterface({ input: response, crlfDelay: Infinity })) {
        if (line.trim() === '') continue;
        const message = JSON.parse(line) as { progress?: Parameters<NonNullable<RewrapOptions['onProgress']>>[0]; result?: RewrapResult; interrupted?: boolean };
        if (message.progress) {
          options.onProgress?.(message.progress);
          last = { rewrapped: message.progress.rewrapped, failed: message.progress.failed, remaining: message.progress.total - message.progress.rewrapped };
        }
        if (message.result) return { ...message.result, interrupted: message.interrupted === true };
      }
      throw unreachable(new Error('the progress stream ended without a result'));
    } catch (error) {
      if (local.signal.aborted) return { ...last, interrupted: true };
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', forward);
    }
  }
}
