/** Test helper: a started web host over a fake service plus a raw HTTP client that can forge any header. */
import { request as httpRequest } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWebHost, type WebHost } from '../../core/web/startWebHost.ts';
import { createFakeService, type FakeService } from '../e2e/fakeService.ts';

/** A response as the tests read it. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request with exactly the given headers (Host included) and reads the whole answer. */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path: target, headers, setHost: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A host on port 0 serving a temp static dir, with helpers; `close()` removes everything. */
export async function startTestHost(fakeOptions: Parameters<typeof createFakeService>[0] = { fileCount: 1000, autoStart: false }) {
  const staticDir = mkdtempSync(path.join(tmpdir(), 'cos-sync-web-'));
  mkdirSync(path.join(staticDir, 'assets'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>COS Sync</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(path.join(staticDir, '.secret'), 'hidden');
  const service: FakeService = createFakeService(fakeOptions);
  const host: WebHost = await startWebHost({ service, staticDir, heartbeatMs: 50 });
  const hostHeader = `127.0.0.1:${host.port}`;
  const auth = { host: hostHeader, authorization: `Bearer ${host.token}` };
  return {
    host,
    service,
    staticDir,
    hostHeader,
    /** Calls an API method with a valid token and JSON body. */
    call(method: string, args: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
      return rawRequest(host.port, 'POST', `/api/${method}`, { ...auth, 'content-type': 'application/json', ...headers }, JSON.stringify(args));
    },
    auth,
    async close(): Promise<void> {
      await host.close();
      service.close();
      rmSync(staticDir, { recursive: true, force: true });
    },
  };
}
