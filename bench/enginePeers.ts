/** What the benches share to run peers against the bundled engine: the engine as a child process and rclone's environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `cos-sync` entry point. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../core/cli/bin.js');

/** Starts `cos-sync engine` on port 0 with one bucket and fixed credentials; resolves with its endpoint once it listens. */
export async function startEngineChild(dataDir: string, bucket: string, credentials: { secretId: string; secretKey: string }): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI_BIN, 'engine', '--data', dataDir, '--port', '0', '--bucket', bucket, '--secret-id', credentials.secretId, '--secret-key', credentials.secretKey], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the engine exited (${code}) before listening`)));
  });
  return { endpoint, child };
}

/** The environment of an rclone run against `endpoint` as remote `eng:` (no config file; extra settings as RCLONE_CONFIG_ENG_*). */
export function rcloneEnv(endpoint: string, credentials: { secretId: string; secretKey: string }, region: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_ENG_TYPE: 's3',
    RCLONE_CONFIG_ENG_PROVIDER: 'Other',
    RCLONE_CONFIG_ENG_ACCESS_KEY_ID: credentials.secretId,
    RCLONE_CONFIG_ENG_SECRET_ACCESS_KEY: credentials.secretKey,
    RCLONE_CONFIG_ENG_ENDPOINT: endpoint,
    RCLONE_CONFIG_ENG_REGION: region,
    RCLONE_CONFIG_ENG_FORCE_PATH_STYLE: 'true',
    ...extra,
  };
  // A CA bundle variable set for other tools makes rclone fail to start here.
  delete env.AWS_CA_BUNDLE;
  return env;
}
