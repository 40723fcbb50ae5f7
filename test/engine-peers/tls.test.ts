/** Issue 14: the engine over TLS (--tls, self-signed) with the official SDK, rclone, the AWS CLI and our own upload/sync — each works with the CA given and fails with a certificate error without it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createAppService } from '../../core/app/service.ts';
import type { StoredSettings } from '../../core/app/settings.ts';
import { cosRequest, header } from './cosRequest.ts';
import { assertOk, findBinary, runTool } from './peerTools.ts';
import { runCli, spawnEngine, type EngineChild } from './spawnEngine.ts';
import { makeTempDir, TEST_BUCKET, TEST_CREDENTIALS, TEST_REGION } from './startTestEngine.ts';

const probe = fileURLToPath(new URL('./sdkTlsProbe.ts', import.meta.url));

/** Runs the SDK probe with (or without) NODE_EXTRA_CA_CERTS; resolves with its JSON line. */
function sdkProbe(port: number, caFile: string | undefined): Promise<{ ok: boolean; code?: string; message?: string; sse?: string; same?: boolean }> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [probe, String(port), TEST_CREDENTIALS.secretId, TEST_CREDENTIALS.secretKey, TEST_BUCKET, TEST_REGION], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      if (last.startsWith('{')) resolve(JSON.parse(last));
      else reject(new Error(`SDK probe printed no result: ${out} ${err}`));
    });
  });
}

describe('the engine over TLS', () => {
  let dataDir: string;
  let work: string;
  let engine: EngineChild;
  let caFile: string;
  let endpoint: string;

  before(async () => {
    dataDir = await makeTempDir('tls');
    work = await makeTempDir('tls-work');
    engine = await spawnEngine(dataDir, 60_000, ['--tls']);
    caFile = path.join(dataDir, 'tls', 'cert.pem');
    endpoint = `https://127.0.0.1:${engine.port}`;
    await mkdir(path.join(work, 'folder', 'sub'), { recursive: true });
    await writeFile(path.join(work, 'folder', 'a.txt'), 'alpha over tls');
    await writeFile(path.join(work, 'folder', 'sub', 'b.bin'), Buffer.alloc(300_000, 7));
  });
  after(async () => {
    await engine?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('generates a self-signed certificate for localhost and 127.0.0.1 into DATA/tls, key 0600, and prints its SHA-256 fingerprint', async () => {
    const certificate = new X509Certificate(await readFile(caFile, 'utf8'));
    assert.equal(certificate.checkHost('localhost'), 'localhost');
    assert.equal(certificate.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal((await stat(path.join(dataDir, 'tls', 'key.pem'))).mode & 0o777, 0o600);
    assert.ok(engine.stderr().includes(`SHA-256 fingerprint ${certificate.fingerprint256}`), engine.stderr());
    assert.match(engine.stderr(), /generated now/);
  });

  it('our upload and sync verify the certificate: they work with --ca-file and fail with a certificate error without it', async () => {
    const env = { COS_SECRET_ID: TEST_CREDENTIALS.secretId, COS_SECRET_KEY: TEST_CREDENTIALS.secretKey };
    const connection = ['--bucket', TEST_BUCKET, '--region', TEST_REGION, '--endpoint', endpoint];
    const refused = await runCli(['upload', path.join(work, 'folder', 'a.txt'), ...connection, '--prefix', 'ours/'], 60_000, env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(`${refused.stdout}${refused.stderr}`, /TLS certificate of 127\.0\.0\.1.* was not accepted .*DEPTH_ZERO_SELF_SIGNED_CERT.*--ca-file/s);
    const uploaded = await runCli(['upload', path.join(work, 'folder', 'a.txt'), ...connection, '--prefix', 'ours/', '--ca-file', caFile], 60_000, env);
    assert.equal(uploaded.code, 0, uploaded.stderr);
    assert.match(uploaded.stdout, /^uploaded\s+ours\/a\.txt .*SSE-COS \(AES256\) confirmed/m);

    const journal = path.join(work, 'journal.sqlite');
    const syncArgs = ['sync', path.join(work, 'folder'), ...connection, '--prefix', 'synced/', '--once', '--journal', journal];
    const syncRefused = await runCli(syncArgs, 60_000, env);
    assert.notEqual(syncRefused.code, 0);
    assert.match(syncRefused.stderr, /certificate/i);
    const synced = await runCli([...syncArgs, '--ca-file', caFile], 60_000, env);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal(synced.stdout.trim().split('\n').filter((line) => line.startsWith('uploaded')).length, 2, synced.stdout);
    const head = await fetchHead('synced/sub/b.bin');
    assert.equal(head, 'AES256');
  });

  /** SSE of an object, read over TLS by our own signed request through Node's https with the CA. */
  async function fetchHead(key: string): Promise<string | undefined> {
    const answer = await cosRequest({ port: engine.port, bucket: TEST_BUCKET, region: TEST_REGION, ...TEST_CREDENTIALS, ca: await readFile(caFile, 'utf8') }, { method: 'HEAD', key });
    assert.equal(answer.status, 200, `HEAD ${key}`);
    return header(answer, 'x-cos-server-side-encryption');
  }

  it('the official cos-nodejs-sdk-v5 works with the CA (NODE_EXTRA_CA_CERTS) and fails with a certificate error without it', async () => {
    const refused = await sdkProbe(engine.port, undefined);
    assert.equal(refused.ok, false);
    assert.match(`${refused.code} ${refused.message}`, /SELF_SIGNED|self-signed certificate/i);
    const trusted = await sdkProbe(engine.port, caFile);
    assert.deepEqual(trusted, { ok: true, sse: 'AES256', same: true });
  });

  it('the app (and serve --ca-file) trusts an account\'s CA file for its endpoint, and refuses the engine without it', async () => {
    const appDir = path.join(work, 'app');
    let stored: Partial<StoredSettings> = {};
    const secrets = new Map<string, string>();
    const options = {
      dataDir: appDir, mode: 'headless' as const,
      settings: { read: () => structuredClone(stored), write: (value: StoredSettings) => void (stored = structuredClone(value)) },
      secrets: { get: async (name: string) => secrets.get(name), set: async (name: string, value: string) => void secrets.set(name, value), delete: async (name: string) => void secrets.delete(name) },
    };
    const account = { kind: 'cos' as const, name: 'TLS engine', secretId: TEST_CREDENTIALS.secretId, secretKey: TEST_CREDENTIALS.secretKey, region: TEST_REGION, bucket: TEST_BUCKET, endpoint };
    const service = await createAppService(options);
    try {
      const refused = await service.testProfile(account);
      assert.equal(refused.ok, false);
      assert.equal(refused.ok ? '' : refused.code, 'CertificateUntrusted');
      const trusted = await service.testProfile({ ...account, caFile });
      assert.equal(trusted.ok, true, JSON.stringify(trusted));
      const settings = await service.updateSettings({ upsertProfiles: [{ ...account, caFile }] });
      const saved = settings.profiles.find((profile) => profile.name === 'TLS engine');
      assert.equal(saved?.kind === 'cos' ? saved.caFile : undefined, caFile, 'the CA file is kept in the account settings');
    } finally {
      await service.close();
    }
    const wide = await createAppService({ ...options, caFile });
    try {
      assert.equal((await wide.testProfile(account)).ok, true, 'the app-wide --ca-file applies to accounts without their own');
    } finally {
      await wide.close();
    }
  });

  const rclone = findBinary('rclone');
  it('rclone works with --ca-cert and fails with a certificate error without it', { skip: rclone ? false : 'rclone is not installed' }, async () => {
    const config = path.join(work, 'rclone.conf');
    await writeFile(config, ['[engine]', 'type = s3', 'provider = Other', `access_key_id = ${TEST_CREDENTIALS.secretId}`, `secret_access_key = ${TEST_CREDENTIALS.secretKey}`,
      `endpoint = ${endpoint}`, `region = ${TEST_REGION}`, 'force_path_style = true', 'server_side_encryption = AES256', ''].join('\n'));
    // AWS_CA_BUNDLE is set on this machine and would replace --ca-cert: the environment is exact.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work };
    const base = ['--config', config, '--retries', '1', '--low-level-retries', '1'];
    const refused = await runTool(rclone!, [...base, 'copy', path.join(work, 'folder'), `engine:${TEST_BUCKET}/rclone`], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /x509: certificate signed by unknown authority|certificate is not trusted/);
    assertOk(await runTool(rclone!, [...base, '--ca-cert', caFile, 'copy', path.join(work, 'folder'), `engine:${TEST_BUCKET}/rclone`], env), 'rclone copy with --ca-cert');
    const listed = await runTool(rclone!, [...base, '--ca-cert', caFile, 'ls', `engine:${TEST_BUCKET}/rclone`], env);
    assertOk(listed, 'rclone ls');
    assert.match(listed.stdout, /sub\/b\.bin/);
    assert.equal(await fetchHead('rclone/sub/b.bin'), 'AES256');
  });

  const aws = findBinary('/usr/bin/aws');
  it('the AWS CLI works with --ca-bundle and fails with a certificate error without it', { skip: aws ? false : '/usr/bin/aws is not installed' }, async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, AWS_CONFIG_FILE: path.join(work, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'aws-credentials'),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.secretId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretKey, AWS_DEFAULT_REGION: TEST_REGION,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1',
    };
    assertOk(await runTool(aws!, ['configure', 'set', 'default.s3.addressing_style', 'path'], env), 'aws configure');
    const copy = (extra: string[]) => runTool(aws!, ['--endpoint-url', endpoint, ...extra, 's3', 'cp', '--only-show-errors', '--sse', 'AES256', path.join(work, 'folder', 'a.txt'), `s3://${TEST_BUCKET}/aws/a.txt`], env);
    const refused = await copy([]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /SSL validation failed|CERTIFICATE_VERIFY_FAILED/);
    assertOk(await copy(['--ca-bundle', caFile]), 'aws s3 cp --ca-bundle');
    assert.equal(await fetchHead('aws/a.txt'), 'AES256');
  });
});
