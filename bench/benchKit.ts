/** Shared by the bench scripts: child processes with peak RSS, the engine as a child, rclone's environment, medians with their spread. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI entry of this checkout (what an installed `cos-sync` bin runs). */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../core/cli/bin.js');
/** Bucket, region and credentials every bench uses against its engines. */
export const BENCH_BUCKET = 'bench-1250000000';
export const BENCH_REGION = 'ap-guangzhou';
export const BENCH_CREDENTIALS = { secretId: 'AKIDbenchSync000000000000000000000', secretKey: 'benchSyncSecretKey00000000000000' };

/** What {@link runProcess} saw. */
export interface ProcessRun {
  code: number | string;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMiB: number;
}

/** Peak resident set (VmHWM) of a live process in MiB; 0 once it is gone. */
export function peakRssOf(pid: number | undefined): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system, all threads) a live process has used so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15 (clock ticks, 100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs a command to its exit (SIGKILL after `timeoutMs`); wall seconds from spawn, output and peak RSS (polled every 50 ms). */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    const sample = setInterval(() => (peak = Math.max(peak, peakRssOf(child.pid))), 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(sample);
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRssMiB: peak });
    });
  });
}

/** rclone's environment for remote `eng:` on `endpoint` (path style, SSE AES256); AWS_CA_BUNDLE removed (it stops rclone here). */
export function rcloneEnv(endpoint: string, credentials = BENCH_CREDENTIALS): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_ENG_TYPE: 's3',
    RCLONE_CONFIG_ENG_PROVIDER: 'Other',
    RCLONE_CONFIG_ENG_ACCESS_KEY_ID: credentials.secretId,
    RCLONE_CONFIG_ENG_SECRET_ACCESS_KEY: credentials.secretKey,
    RCLONE_CONFIG_ENG_ENDPOINT: endpoint,
    RCLONE_CONFIG_ENG_REGION: BENCH_REGION,
    RCLONE_CONFIG_ENG_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG_ENG_SERVER_SIDE_ENCRYPTION: 'AES256',
  };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/** A server child (engine or peer) and its address. */
export interface ServerChild {
  endpoint: string;
  port: number;
  child: ChildProcess;
  /** Peak RSS so far in MiB. */
  peakRssMiB(): number;
  /** CPU seconds used so far. */
  cpuSeconds(): number;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Spawns `node ARGS` and waits for a stdout line matching `listening` (its first group is the endpoint). */
export async function startServerChild(args: string[], listening: RegExp, timeoutMs = 60_000): Promise<ServerChild> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = listening.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before listening`)));
  });
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    child,
    peakRssMiB: () => peakRssOf(child.pid),
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `cos-sync engine` of the checkout whose CLI is `bin` (this one by default) as a child on a free port, with the bench bucket. */
export function startEngineChild(dataDir: string, bin = CLI_BIN): Promise<ServerChild> {
  return startServerChild(
    [bin, 'engine', '--data', dataDir, '--port', '0', '--bucket', BENCH_BUCKET, '--secret-id', BENCH_CREDENTIALS.secretId, '--secret-key', BENCH_CREDENTIALS.secretKey],
    /listening on (http:\/\/\S+)/,
  );
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "median (min–max)" of rates, or just the value for one run: the spread is the noise of this machine. */
export function medianCell(values: readonly number[], digits = 0): string {
  const format = (value: number): string => value.toFixed(value >= 100 ? 0 : digits || 1);
  if (values.length < 2) return values.length ? format(values[0]!) : '–';
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

/** `value / baseline` as "1.23×". */
export function ratio(value: number, baseline: number): string {
  return baseline > 0 ? `${(value / baseline).toFixed(2)}×` : '–';
}
