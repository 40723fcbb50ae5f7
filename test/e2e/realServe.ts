/** E2E helper: runs the real `cos-sync serve` and `cos-sync engine` as child processes (temp HOME and data) and calls the API. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CosSyncArguments, CosSyncMethod, CosSyncResult } from '../../core/app/contract.ts';
import { scaled } from './timeScale.ts';

/** The `cos-sync` entry shim, run with this Node (24) so that it can load TypeScript. */
export const cliPath = fileURLToPath(new URL('../../core/cli/bin.js', import.meta.url));

const live = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of live) child.kill('SIGKILL');
};
// Last resort when a test crashes before its `after` hook or the run is interrupted: never leave a child behind.
process.once('exit', killAll);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });
}

/** A CLI child process with its captured output. */
export interface CliChild {
  readonly pid: number;
  /** Everything the child wrote so far (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** True until the process exited. */
  running(): boolean;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; escalates to SIGKILL after `graceMs`. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Spawns `cos-sync ARGS` and resolves once stdout matches `ready` (rejects with the output on exit or timeout). */
export async function startCli(args: string[], options: { ready: RegExp; env?: NodeJS.ProcessEnv; timeoutMs?: number; label: string }): Promise<{ child: CliChild; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let all = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child);
    resolve();
  }));
  const handle: CliChild = {
    pid: child.pid ?? -1,
    output: () => all,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (!handle.running()) return;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const escalated = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, escalated]);
      clearTimeout(timer);
      await exited;
    },
  };
  const timeoutMs = scaled(options.timeoutMs ?? 30_000);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not print ${options.ready} within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      void handle.stop('SIGKILL').then(() => reject(new Error(`${options.label} ${why}. Output:\n${all}`)));
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      all += chunk;
      const found = options.ready.exec(stdout);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (all += chunk));
    child.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal}) before it was ready`));
  });
  return { child: handle, match };
}

/** A port that was free a moment ago (bound on 127.0.0.1:0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Could not find a free port.');
  return address.port;
}

/**
 * Polls `check` until it returns something other than undefined/false; on timeout throws a clear message naming `what`
 * (a function is evaluated then, so it can describe the progress it saw) and the last value or error.
 */
export async function waitUntil<T>(what: string | (() => string), check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${scaled(timeoutMs) / 1000} s waiting for ${typeof what === 'string' ? what : what()}. Last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * POSTs without keep-alive: a test that blocks its event loop (writing thousands of files) must not reuse a socket
 * the server has meanwhile closed ("other side closed" on a non-idempotent request).
 */
function postJson(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, text })).on('error', reject);
    });
    request.on('error', reject).end(body);
  });
}

/** A running `cos-sync serve` with its temp folders. */
export interface ServeProcess {
  /** The address printed on stdout, with `?token=…`. */
  url: string;
  origin: string;
  token: string;
  /** The bundled engine's endpoint (printed on stderr). */
  engineEndpoint: string | null;
  dataDir: string;
  home: string;
  child: CliChild;
  /** Calls `POST /api/<method>` like the browser does; rejects with the service's error code and message. */
  call<M extends CosSyncMethod>(method: M, ...args: CosSyncArguments<M>): Promise<CosSyncResult<M>>;
  /** Stops the process (SIGTERM, then SIGKILL) and removes HOME and the data folder. */
  close(): Promise<void>;
}

/** Options of {@link startServe}. */
export interface ServeOptions {
  /** Parent of the temp HOME and data folder (a new temp dir when omitted). */
  root?: string;
  folders?: string[];
  noDefaultFolder?: boolean;
  timeoutMs?: number;
  /** Pass `--verbose` (the service logs to stderr, kept in `child.output()`). */
  verbose?: boolean;
  /** More command-line arguments (e.g. `['--port', '0']`). */
  args?: string[];
}

/** Starts `cos-sync serve --data <temp> [--folder …]` with HOME set to a temp folder; resolves when the UI address is printed. */
export async function startServe(options: ServeOptions = {}): Promise<ServeProcess> {
  const root = mkdtempSync(path.join(options.root ?? tmpdir(), 'cos-sync-serve-'));
  const home = path.join(root, 'home');
  const dataDir = path.join(root, 'data');
  mkdirSync(home);
  const args = ['serve', '--data', dataDir, ...(options.folders ?? []).flatMap((folder) => ['--folder', folder]), ...(options.noDefaultFolder ? ['--no-default-folder'] : []), ...(options.verbose ? ['--verbose'] : []), ...(options.args ?? [])];
  let started;
  try {
    started = await startCli(args, { ready: /COS Sync UI at (http:\/\/127\.0\.0\.1:\d+\/\?token=([\w-]+))/, env: { HOME: home }, timeoutMs: options.timeoutMs ?? 60_000, label: 'cos-sync serve' });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const { child, match } = started;
  const url = match[1]!;
  const token = match[2]!;
  const origin = new URL(url).origin;
  // The engine line goes to stderr right after the UI line; give it a moment.
  const engineEndpoint = await waitUntil('the bundled engine line', () => /Bundled engine at (\S+)/.exec(child.output())?.[1], 5000, 50).catch(() => null);
  return {
    url, origin, token, engineEndpoint, dataDir, home, child,
    async call(method, ...parameters) {
      let reply: { status: number; text: string };
      try {
        reply = await postJson(`${origin}/api/${method}`, token, JSON.stringify(parameters));
      } catch (error) {
        throw new Error(`${method}: the request failed (${String(error)}); serve is ${child.running() ? 'running' : 'gone'}. Its output ends:\n${child.output().slice(-4000)}`, { cause: error });
      }
      const body = JSON.parse(reply.text) as { result?: unknown; code?: string; message?: string; hint?: string };
      if (reply.status !== 200) throw Object.assign(new Error(`${method} failed (${reply.status}) ${body.code}: ${body.message}`), { code: body.code, hint: body.hint });
      return body.result as never;
    },
    async close() {
      await child.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A standalone `cos-sync engine` child. */
export interface EngineProcess {
  endpoint: string;
  child: CliChild;
}

/** Options of {@link startEngineProcess}. */
export interface EngineProcessOptions {
  dataDir: string;
  port: number;
  bucket: string;
  secretId: string;
  secretKey: string;
}

/** Starts `cos-sync engine` on a fixed port; resolves when it prints its endpoint. */
export async function startEngineProcess(options: EngineProcessOptions): Promise<EngineProcess> {
  const args = ['engine', '--data', options.dataDir, '--port', String(options.port), '--bucket', options.bucket, '--secret-id', options.secretId, '--secret-key', options.secretKey];
  const { child, match } = await startCli(args, { ready: /COS engine listening on (http:\/\/\S+)/, label: 'cos-sync engine' });
  return { endpoint: match[1]!, child };
}
