/** PUT/GET/DELETE ?policy: verbatim storage, MalformedPolicy with the reason, NoSuchBucketPolicy, the versioned index migration of old data dirs. */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EngineIndex } from '../../core/engine/storage/engineIndex.ts';
import { indexMigrations } from '../../core/engine/storage/indexMigrations.ts';
import { TestEngine } from './engineClient.ts';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/engine-data-v0');
const FIXTURE_CREDENTIALS = { secretId: 'AKIDfixtureSecretId00000000000000000', secretKey: 'fixtureSecretKey0000000000000000' };

const codeOf = (text: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const messageOf = (text: string): string =>
  (/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '').replaceAll('&apos;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** A COS-grammar policy, with odd spacing that must come back byte for byte. */
const cosPolicy = `{ "version": "2.0",
  "statement": [ { "principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "effect": "deny",
    "action": ["name/cos:PutObject"], "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:test-1250000000/*"],
    "condition": {"string_not_equal": {"cos:x-cos-server-side-encryption": "AES256"}} } ] }`;

describe('bucket policy API', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('stores a policy verbatim, returns it as JSON, deletes it; none → 404 NoSuchPolicy (COS clients)', async () => {
    const none = await t.request({ query: [['policy', '']] });
    assert.equal(none.status, 404);
    assert.equal(codeOf(none.text), 'NoSuchPolicy');
    const put = await t.request({ method: 'PUT', query: [['policy', '']], body: cosPolicy, headers: { 'content-type': 'application/json' } });
    assert.equal(put.status, 204, put.text);
    const got = await t.request({ query: [['policy', '']] });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.text, cosPolicy);
    assert.equal((await t.request({ method: 'DELETE', query: [['policy', '']] })).status, 204);
    assert.equal((await t.request({ query: [['policy', '']] })).status, 404);
    assert.equal((await t.request({ method: 'DELETE', query: [['policy', '']] })).status, 204, 'deleting no policy is fine');
  });

  it('answers 400 MalformedPolicy with the reason and keeps the previous policy', async () => {
    assert.equal((await t.request({ method: 'PUT', query: [['policy', '']], body: cosPolicy })).status, 204);
    const cases: [string, RegExp][] = [
      ['{"Statement": [', /not valid JSON/],
      [JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::another-bucket/*' }] }), /not in bucket test-1250000000/],
      [JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:Fly', Resource: 'arn:aws:s3:::test-1250000000/*' }] }), /invalid action 's3:Fly'/],
      [JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::test-1250000000/*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } } }] }), /DateLessThan' is not supported/],
      [JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::test-1250000000/*', Sid: 'x'.repeat(21_000) }] }), /maximum allowed document size/],
    ];
    for (const [body, reason] of cases) {
      const response = await t.request({ method: 'PUT', query: [['policy', '']], body });
      assert.equal(response.status, 400, body.slice(0, 80));
      assert.equal(codeOf(response.text), 'MalformedPolicy');
      assert.match(messageOf(response.text), reason);
    }
    assert.equal((await t.request({ query: [['policy', '']] })).text, cosPolicy, 'the stored policy is unchanged');
    assert.equal((await t.request({ method: 'DELETE', query: [['policy', '']] })).status, 204);
  });

  it('needs the bucket and a signature; not an object sub-resource; a deleted bucket takes its policy along', async () => {
    assert.equal(codeOf((await t.request({ method: 'PUT', bucket: 'missing-1250000000', query: [['policy', '']], body: cosPolicy })).text), 'NoSuchBucket');
    assert.equal((await t.request({ method: 'PUT', query: [['policy', '']], body: cosPolicy, anonymous: true })).status, 403);
    assert.equal((await t.request({ method: 'PUT', key: 'a.txt', query: [['policy', '']], body: cosPolicy })).status, 501);
    assert.equal((await t.request({ method: 'PUT', bucket: 'scratch-1250000000', style: 'path' })).status, 200);
    const scratch = cosPolicy.replace('test-1250000000/*', 'scratch-1250000000/*');
    assert.equal((await t.request({ method: 'PUT', bucket: 'scratch-1250000000', query: [['policy', '']], body: scratch })).status, 204);
    assert.equal((await t.request({ method: 'DELETE', bucket: 'scratch-1250000000' })).status, 204);
    assert.equal((await t.request({ method: 'PUT', bucket: 'scratch-1250000000', style: 'path' })).status, 200);
    assert.equal(codeOf((await t.request({ bucket: 'scratch-1250000000', query: [['policy', '']] })).text), 'NoSuchPolicy');
  });
});

describe('engine index migrations', () => {
  it('upgrades a data dir of the first releases (test/fixtures/engine-data-v0) in place: objects read back, policies can be stored, a restart keeps them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'engine-policy-upgrade-'));
    await cp(FIXTURE, dir, { recursive: true });
    const bucket = 'fixture-1250000000';
    const policy = cosPolicy.replace('test-1250000000', bucket);
    let t = await TestEngine.start({ credentials: FIXTURE_CREDENTIALS, buckets: [] }, dir);
    try {
      const check = new EngineIndex(path.join(dir, 'index.sqlite'), { readOnly: true });
      assert.equal(Number((check.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version), indexMigrations.length);
      check.close();
      const read = await t.request({ bucket, key: 'docs/sse-cos.txt' });
      assert.equal(read.status, 200);
      assert.equal(read.headers['x-cos-server-side-encryption'], 'AES256');
      assert.equal((await t.request({ bucket, method: 'PUT', query: [['policy', '']], body: policy })).status, 204);
      await t.close(true);
      t = await TestEngine.start({ credentials: FIXTURE_CREDENTIALS, buckets: [] }, dir);
      assert.equal((await t.request({ bucket, query: [['policy', '']] })).text, policy);
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an index written by a newer engine', async () => {
    const t = await TestEngine.start();
    await t.close(true);
    const file = path.join(t.dir, 'index.sqlite');
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${indexMigrations.length + 1}`);
    db.close();
    try {
      assert.throws(() => new EngineIndex(file), (error: Error & { code?: string }) => error.code === 'SchemaTooNew' && /newer than this app/.test(error.message));
    } finally {
      await rm(t.dir, { recursive: true, force: true });
    }
  });
});
