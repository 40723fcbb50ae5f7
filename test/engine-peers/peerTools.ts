/** Running third-party command-line peers (rclone, s3cmd, the AWS CLI, python3) with exactly the environment a test gives them. */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The absolute path of `name` on PATH (or `name` itself when absolute and executable), or undefined. */
export function findBinary(name: string): string | undefined {
  if (name.startsWith('/')) return spawnSync('test', ['-x', name]).status === 0 ? name : undefined;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : undefined;
}

/** Exit code and output of one run. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary with exactly `env` (no inherited AWS_CA_BUNDLE or credentials) and collects its output. */
export function runTool(binary: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(binary, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails with the tool's output unless it exited 0. */
export function assertOk(result: ToolResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
}

/** Where the Debian AWS CLI lives (the pyenv shim on PATH may be another version). */
export const AWS = '/usr/bin/aws';

/** A peer's environment inside `workDir`: PATH and a private HOME only (AWS_CA_BUNDLE on this machine breaks rclone). */
export function cleanEnv(workDir: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(workDir, 'home') };
}

/**
 * Environment and `--endpoint-url` arguments for /usr/bin/aws against an engine on `port`: credentials of `target`,
 * path-style addressing, checksums only when required, plus `s3Settings` (`default.s3.<name>` values, such as
 * `multipart_threshold`), written straight into the config file (each `aws configure set` would start the CLI once).
 */
export async function awsSetup(
  workDir: string, target: { secretId: string; secretKey: string; region: string }, port: number, s3Settings: [string, string][] = [],
): Promise<{ env: Record<string, string>; endpoint: string[] }> {
  await mkdir(path.join(workDir, 'home'), { recursive: true });
  const env: Record<string, string> = {
    ...cleanEnv(workDir),
    AWS_CONFIG_FILE: path.join(workDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'aws-credentials'),
    AWS_ACCESS_KEY_ID: target.secretId,
    AWS_SECRET_ACCESS_KEY: target.secretKey,
    AWS_DEFAULT_REGION: target.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    AWS_PAGER: '',
  };
  const s3 = [['addressing_style', 'path'], ...s3Settings].map(([name, value]) => `    ${name} = ${value}`);
  await writeFile(env.AWS_CONFIG_FILE!, ['[default]', 's3 =', ...s3, ''].join('\n'));
  return { env, endpoint: ['--endpoint-url', `http://127.0.0.1:${port}`] };
}

/** Writes an rclone config with remote `engine` (S3, path style) for `target` on `port` plus `extra` lines; returns env and base arguments. */
export async function rcloneSetup(
  workDir: string, target: { secretId: string; secretKey: string; region: string }, port: number, extra: string[] = [],
): Promise<{ env: Record<string, string>; base: string[] }> {
  await mkdir(path.join(workDir, 'home'), { recursive: true });
  const config = path.join(workDir, 'rclone.conf');
  await writeFile(config, [
    '[engine]', 'type = s3', 'provider = Other', `access_key_id = ${target.secretId}`, `secret_access_key = ${target.secretKey}`,
    `endpoint = http://127.0.0.1:${port}`, `region = ${target.region}`, 'force_path_style = true', ...extra, '',
  ].join('\n'));
  return { env: cleanEnv(workDir), base: ['--config', config, '--retries', '1', '--low-level-retries', '1'] };
}
