/** Running the third-party S3 command-line peers (aws CLI, rclone, s3cmd) against an engine with a clean environment. */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CosTarget } from './cosRequest.ts';

/** Where the Debian AWS CLI lives (the pyenv shim on PATH may be another version). */
export const AWS = '/usr/bin/aws';

/** The absolute path of `name` on PATH (or `name` itself when absolute and executable), or undefined. */
export function findBinary(name: string): string | undefined {
  if (path.isAbsolute(name)) return spawnSync('test', ['-x', name]).status === 0 ? name : undefined;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : undefined;
}

/** Exit code and output of one tool run. */
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

/** Fails with the tool's output when it did not exit 0. */
export function assertOk(result: ToolResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
}

/** The environment for the AWS CLI: its own config files under `workDir`, the engine's key pair, path-style, 8 MB multipart. */
export async function awsEnvironment(workDir: string, target: CosTarget): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(workDir, 'home'),
    AWS_CONFIG_FILE: path.join(workDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'aws-credentials'),
    AWS_ACCESS_KEY_ID: target.secretId,
    AWS_SECRET_ACCESS_KEY: target.secretKey,
    AWS_DEFAULT_REGION: target.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    AWS_PAGER: '',
  };
  for (const [name, value] of [['default.s3.multipart_threshold', '8MB'], ['default.s3.multipart_chunksize', '8MB'], ['default.s3.addressing_style', 'path']] as const) {
    assertOk(await runTool(AWS, ['configure', 'set', name, value], env), `aws configure set ${name}`);
  }
  return env;
}

/**
 * Writes an rclone config with remote `engine` (S3, provider Other, path-style, 5 MB multipart) for the engine on
 * `target.port`; `sse` adds `server_side_encryption = AES256`. Returns the env to run rclone with (a clean one:
 * AWS_CA_BUNDLE, set on this machine, makes rclone fail, and no ambient credentials may leak in).
 */
export async function writeRcloneConfig(file: string, target: CosTarget, options: { sse: boolean; home: string }): Promise<Record<string, string>> {
  await writeFile(file, [
    '[engine]',
    'type = s3',
    'provider = Other',
    `access_key_id = ${target.secretId}`,
    `secret_access_key = ${target.secretKey}`,
    `endpoint = http://127.0.0.1:${target.port}`,
    `region = ${target.region}`,
    'force_path_style = true',
    ...(options.sse ? ['server_side_encryption = AES256'] : []),
    'upload_cutoff = 5M',
    'chunk_size = 5M',
    '',
  ].join('\n'));
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home };
}
