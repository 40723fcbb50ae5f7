/** Runs boto3Versions.py (Debian's python3-boto3) against the engine: versioning, listings through both markers, markers, tags, lifecycle. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { findBinary, runTool } from './peerTools.ts';
import { makeTempDir, startTestEngine, type TestEngine } from './startTestEngine.ts';
import { rm } from 'node:fs/promises';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'boto3Versions.py');
const hasBoto3 = findBinary(PYTHON) !== undefined && spawnSync(PYTHON, ['-c', 'import boto3']).status === 0;

describe('boto3 against the engine', () => {
  let engine: TestEngine;
  let home: string;
  before(async () => {
    engine = await startTestEngine();
    home = await makeTempDir('boto3');
  });
  after(async () => {
    await engine?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('versioning, ListObjectVersions with MaxKeys 1-3 through both markers, markers, suspend, null, tags, lifecycle, version cleanup', { skip: hasBoto3 ? false : 'python3-boto3 is not installed' }, async () => {
    const result = await runTool(PYTHON, [SCRIPT], {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ENDPOINT: `http://127.0.0.1:${engine.port}`, ACCESS_KEY: engine.target.secretId,
      SECRET_KEY: engine.target.secretKey, REGION: engine.target.region, BUCKET: 'boto-1250000000',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    });
    assert.equal(result.code, 0, `boto3Versions.py failed:\n${result.stderr.slice(-4000)}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { checks: number; versions: number };
    console.log(`boto3: ${summary.checks} checks passed over ${summary.versions} listed versions`);
    assert.ok(summary.checks > 60);
  });
});
