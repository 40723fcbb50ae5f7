/** The engine as a child process for the robustness benches: its port, whether it died, its RSS and open files, kill -9 and restart. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the CLI entry. */
const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../core/cli/bin.js');

/** The bucket and key pair every robustness bench uses. */
export const BENCH_TARGET = { bucket: 'bench-1250000000', region: 'ap-guangzhou', secretId: 'AKIDrobustnessBench0000000000000000', secretKey: 'robustnessBenchSecretKey00000000' };

/** A running engine child. */
export interface EngineProcess {
  readonly pid: number;
  readonly port: number;
  /** True until the process exited. */
  alive(): boolean;
  /** `exit CODE` or `signal NAME` once it ended. */
  readonly exited: Promise<string>;
  /** Resident set size in bytes (Linux /proc), 0 when unknown. */
  rss(): number;
  /** Open file descriptors (Linux /proc), 0 when unknown. */
  openFiles(): number;
  /** Everything the child wrote to stderr. */
  stderr(): string;
  /** SIGKILL and wait. */
  kill9(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s) and wait. */
  stop(): Promise<void>;
}

/** Starts `cos-sync engine --data DIR --port 0` with {@link BENCH_TARGET} and `extra` arguments; resolves once it listens. */
export async function startEngineProcess(dataDir: string, extra: string[] = []): Promise<EngineProcess> {
  const child: ChildProcess = spawn(process.execPath, [
    CLI_BIN, 'engine', '--data', dataDir, '--port', '0', '--bucket', BENCH_TARGET.bucket, '--region', BENCH_TARGET.region,
    '--secret-id', BENCH_TARGET.secretId, '--secret-key', BENCH_TARGET.secretKey, ...extra,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-100_000)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit ${code}`)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /COS engine listening on https?:\/\/\S+:(\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((how) => reject(new Error(`the engine ended (${how}) before it listened: ${stderr}`)));
  });
  const proc = (file: string): string => {
    try {
      return readFileSync(`/proc/${child.pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!,
    port,
    alive,
    exited,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(proc('status'))?.[1] ?? 0) * 1024,
    openFiles: () => {
      try {
        return readdirSync(`/proc/${child.pid}/fd`).length;
      } catch {
        return 0;
      }
    },
    stderr: () => stderr,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}
