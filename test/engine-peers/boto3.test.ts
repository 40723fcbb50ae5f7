/** boto3 (Debian's python3-boto3) against the engine, as S3 test suites drive a server: bucket names, create/list/head/delete, bucket policies and Deny-unencrypted. */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findBinary, runTool } from './peerTools.ts';
import { makeTempDir, startTestEngine, TEST_REGION, type TestEngine } from './startTestEngine.ts';

// Debian's interpreter: its python3-boto3 is the package CI installs (a pyenv python on PATH may lack boto3).
const PYTHON = '/usr/bin/python3';
const script = path.join(import.meta.dirname, 'boto3Flows.py');

const python = findBinary(PYTHON);
const boto3 = python !== undefined && (await runTool(PYTHON, ['-c', 'import boto3'], { PATH: '/usr/bin:/bin' })).code === 0;

describe('boto3 against the engine', { skip: boto3 ? false : `${PYTHON} with python3-boto3 is not installed` }, () => {
  let engine: TestEngine;
  let workDir: string;
  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('boto3');
  });
  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates and deletes buckets with any valid name (path and virtual-host), and enforces a Deny-unencrypted policy', async () => {
    // A clean environment: no AWS_* variables or config files of the machine reach boto3.
    const env = { PATH: '/usr/bin:/bin', HOME: workDir, AWS_CONFIG_FILE: path.join(workDir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'none') };
    const run = await runTool(PYTHON, [script, `http://127.0.0.1:${engine.port}`, engine.target.secretId, engine.target.secretKey, TEST_REGION, workDir], env, 300_000);
    assert.equal(run.code, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
    const checks = run.stdout.split('\n').filter((line) => line.startsWith('ok '));
    assert.ok(checks.length >= 50, `${checks.length} checks ran:\n${run.stdout}`);
    assert.match(run.stdout, /\ndone\n?$/);
  });
});
