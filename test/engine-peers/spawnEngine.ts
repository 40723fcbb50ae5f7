/** Runs the engine (or any `cos-sync` command) as a child process of Node 24, for crash and CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION } from './startTestEngine.ts';
import type { CosTarget } from './cosRequest.ts';

/** Absolute path of the CLI entry. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../core/cli/bin.js');

/** A running engine child. */
export interface EngineChild {
  child: ChildProcess;
  port: number;
  target: CosTarget;
  /** Everything the child wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the child is gone. */
  exited: Promise<number | string>;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

const LISTENING = /^COS engine listening on https?:\/\/([^\s:]+):(\d+)\s*$/;

/** Starts `cos-sync engine --data DIR --port 0 --bucket test-1250000000 --secret-id … --secret-key … [extra]` and waits for its listening line. */
export async function spawnEngine(dataDir: string, timeoutMs = 30_000, extra: string[] = []): Promise<EngineChild> {
  const child = spawn(
    process.execPath,
    [CLI_BIN, 'engine', '--data', dataDir, '--port', '0', '--bucket', TEST_BUCKET, '--secret-id', TEST_CREDENTIALS.secretId, '--secret-key', TEST_CREDENTIALS.secretKey, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not print its listening line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const line = stdout.split('\n').map((entry) => LISTENING.exec(entry)).find(Boolean);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[2]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`engine exited (${code ?? signal}) before listening; stdout: ${stdout} stderr: ${stderr}`));
    });
  });
  const waitExit = async (): Promise<void> => {
    await exited;
  };
  return {
    child,
    port,
    target: { port, bucket: TEST_BUCKET, region: TEST_REGION, ...TEST_CREDENTIALS },
    stderr: () => stderr,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitExit();
    },
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await waitExit();
      clearTimeout(timer);
    },
  };
}

/** Result of one CLI run. */
export interface CliResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs `cos-sync ARGS` to completion (no shell); `env`, when given, replaces the COS_* variables of this process. */
export function runCli(args: string[], timeoutMs = 120_000, env?: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const clean = env === undefined ? process.env : { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COS_'))), ...env };
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: clean });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cos-sync ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}
