/** boto3 (Debian's python3-boto3) against the engine, as S3 test suites drive a server: bucket names, policies and Deny-unencrypted (boto3Flows.py); versions, markers, tags and lifecycle (boto3Versions.py). */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findBinary, runTool } from './peerTools.ts';
import { makeTempDir, startTestEngine, TEST_REGION, type TestEngine } from './startTestEngine.ts';

// Debian's interpreter: its python3-boto3 is the package CI installs (a pyenv python on PATH may lack boto3).
const PYTHON = '/usr/bin/python3';
const flows = path.join(import.meta.dirname, 'boto3Flows.py');
const versions = path.join(import.meta.dirname, 'boto3Versions.py');

const python = findBinary(PYTHON);
const boto3 = python !== undefined && (await runTool(PYTHON, ['-c', 'import boto3'], { PATH: '/usr/bin:/bin' })).code === 0;

describe('boto3 against the engine', { skip: boto3 ? false : `${PYTHON} with python3-boto3 is not installed` }, () => {
  let engine: TestEngine;
  let workDir: string;
  /** A clean environment: no AWS_* variables or config files of the machine reach boto3. */
  const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: '/usr/bin:/bin', HOME: workDir, AWS_CONFIG_FILE: path.join(workDir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'none'), ...extra,
  });
  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('boto3');
  });
  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates and deletes buckets with any valid name (path and virtual-host), and enforces a Deny-unencrypted policy', async () => {
    const run = await runTool(PYTHON, [flows, `http://127.0.0.1:${engine.port}`, engine.target.secretId, engine.target.secretKey, TEST_REGION, workDir], cleanEnv(), 300_000);
    assert.equal(run.code, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
    const checks = run.stdout.split('\n').filter((line) => line.startsWith('ok '));
    assert.ok(checks.length >= 50, `${checks.length} checks ran:\n${run.stdout}`);
    assert.match(run.stdout, /\ndone\n?$/);
  });

  it('versioning, ListObjectVersions with MaxKeys 1-3 through both markers, markers, suspend, null, tags, lifecycle, version cleanup', async () => {
    const result = await runTool(PYTHON, [versions], cleanEnv({
      ENDPOINT: `http://127.0.0.1:${engine.port}`, ACCESS_KEY: engine.target.secretId, SECRET_KEY: engine.target.secretKey, REGION: engine.target.region,
      BUCKET: 'boto-1250000000', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    }), 300_000);
    assert.equal(result.code, 0, `boto3Versions.py failed:\n${result.stderr.slice(-4000)}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { checks: number; versions: number };
    console.log(`boto3: ${summary.checks} checks passed over ${summary.versions} listed versions`);
    assert.ok(summary.checks > 60);
  });
});
