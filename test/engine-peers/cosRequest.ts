/** Our own q-sign signed HTTP request to a COS-compatible endpoint, with a body that may arrive cut short. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signCos } from '../../core/protocol/cosSignature.ts';
import { encodeKeyPath, cosUrlEncode } from '../../core/protocol/cosUrlEncode.ts';

/** Where and as whom to send requests (virtual-host style: the bucket travels in the Host header). */
export interface CosTarget {
  port: number;
  bucket: string;
  region: string;
  secretId: string;
  secretKey: string;
  /** Speak HTTPS and trust these PEM certificates (a TLS engine's cert.pem). */
  ca?: string;
}

/** One request: `key` is the object key as written (no leading `/`); `undefined` for bucket calls. */
export interface CosRequestInit {
  method: string;
  key?: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** What came back. `aborted` is true when the connection ended before the announced body was complete. */
export interface CosResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  aborted: boolean;
  /** The transport error, when the request failed or the body was cut (undefined for complete responses). */
  error?: Error;
}

/** The text of one response header (first value). */
export function header(response: CosResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Sends one signed request to 127.0.0.1 with `Host: <bucket>.cos.<region>.myqcloud.com`; never
 * throws for HTTP errors or broken bodies: a transport failure yields status 0, a body cut short
 * yields `aborted: true` with the bytes that did arrive.
 */
export function cosRequest(target: CosTarget, init: CosRequestInit, timeoutMs = 60_000): Promise<CosResponse> {
  const host = `${target.bucket}.cos.${target.region}.myqcloud.com`;
  const key = init.key ?? '';
  const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
  const headers: Record<string, string> = { host, ...init.headers };
  if (body !== undefined || !['GET', 'HEAD'].includes(init.method)) headers['content-length'] = String(body?.length ?? 0);
  const query = init.query ?? [];
  headers.authorization = signCos(
    { method: init.method, pathname: `/${key}`, query, headers },
    { secretId: target.secretId, secretKey: target.secretKey },
    { startSeconds: Math.floor(Date.now() / 1000) - 1 },
  );
  const search = query.map(([name, value]) => (value === '' ? cosUrlEncode(name) : `${cosUrlEncode(name)}=${cosUrlEncode(value)}`)).join('&');
  const path = `/${encodeKeyPath(key)}${search ? `?${search}` : ''}`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: CosResponse): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const send = target.ca === undefined ? httpRequest : httpsRequest;
    const req = send({ host: '127.0.0.1', port: target.port, method: init.method, path, headers, agent: false, timeout: timeoutMs, ...(target.ca ? { ca: target.ca } : {}) }, (res) => {
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const received = Buffer.concat(chunks);
        const announced = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
        const short = init.method !== 'HEAD' && announced !== undefined && received.length < announced;
        finish({ status: res.statusCode ?? 0, headers: res.headers, body: received, aborted: !res.complete || short });
      });
      res.on('error', (error) => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true, error }));
      res.on('aborted', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true }));
      res.on('close', () => {
        if (!res.complete) finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ status: 0, headers: {}, body: Buffer.concat(chunks), aborted: true, error }));
    req.end(body);
  });
}
