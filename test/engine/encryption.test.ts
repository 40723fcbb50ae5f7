/** SSE for real: plaintext never at rest for encrypted objects, bucket defaults, copy rules, SSE-C and KMS. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { customerKeyHeaders, copySourceCustomerKeyHeaders } from '../../core/protocol/serverSideEncryption.ts';
import { filesContaining } from './dataSearch.ts';
import { TestEngine, type TestResponse } from './engineClient.ts';

const marker = (label: string): string => `PLAINTEXT-${label}-${randomBytes(8).toString('hex')}-`.repeat(50);

describe('engine server-side encryption', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
  });
  after(async () => {
    await t.close();
  });

  it('stores SSE-COS objects encrypted and plain objects plain (the search itself is proven to work)', async () => {
    const secret = marker('sse');
    const plain = marker('plain');
    const put = await t.request({ method: 'PUT', key: 'at-rest/secret.txt', body: secret, headers: { 'x-cos-server-side-encryption': 'AES256' } });
    assert.equal(put.headers['x-cos-server-side-encryption'], 'AES256');
    await t.request({ method: 'PUT', key: 'at-rest/plain.txt', body: plain });
    assert.deepEqual(await filesContaining(t.dir, secret.slice(0, 40)), []);
    assert.notDeepEqual(await filesContaining(t.dir, plain.slice(0, 40)), []);
    const head = await t.request({ method: 'HEAD', key: 'at-rest/secret.txt' });
    assert.equal(head.headers['x-cos-server-side-encryption'], 'AES256');
    assert.equal((await t.request({ method: 'HEAD', key: 'at-rest/plain.txt' })).headers['x-cos-server-side-encryption'], undefined);
    assert.equal((await t.request({ key: 'at-rest/secret.txt' })).text, secret);
  });

  it('never serves altered ciphertext: a flipped byte fails the read', async () => {
    const data = randomBytes(150_000);
    await t.request({ method: 'PUT', key: 'tamper.bin', body: data, headers: { 'x-cos-server-side-encryption': 'AES256' } });
    const db = new DatabaseSync(path.join(t.dir, 'index.sqlite'), { readOnly: true });
    const row = db.prepare("SELECT s.blob_id FROM objects o JOIN segments s ON s.object_id = o.object_id WHERE o.key = 'tamper.bin'").get() as { blob_id: string };
    db.close();
    const file = await open(path.join(t.dir, 'blobs', row.blob_id.slice(0, 2), row.blob_id), 'r+');
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 70_000);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, 70_000);
    await file.close();
    const outcome: TestResponse | Error = await t.request({ key: 'tamper.bin' }).then((res) => res, (error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (!(outcome instanceof Error)) assert.ok(!outcome.body.equals(data) && outcome.body.length < data.length, 'a tampered object is never returned whole');
    const first = await t.request({ key: 'tamper.bin', headers: { range: 'bytes=0-1000' } });
    assert.ok(first.body.equals(data.subarray(0, 1001)), 'untouched packages still decrypt');
  });

  it('refuses unknown algorithms and mixed SSE headers', async () => {
    const bad = await t.request({ method: 'PUT', key: 'x', body: 'x', headers: { 'x-cos-server-side-encryption': 'DES' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /InvalidArgument/);
    const mixed = await t.request({ method: 'PUT', key: 'x', body: 'x', headers: { 'x-cos-server-side-encryption': 'AES256', ...customerKeyHeaders(randomBytes(32)) } });
    assert.equal(mixed.status, 400);
  });

  it('applies the bucket default encryption to writes without SSE headers (both rule element names)', async () => {
    assert.equal((await t.request({ query: [['encryption', '']] })).status, 404);
    const body = '<ServerSideEncryptionConfiguration><Rule><ApplySideEncryptionConfiguration><SSEAlgorithm>AES256</SSEAlgorithm></ApplySideEncryptionConfiguration></Rule></ServerSideEncryptionConfiguration>';
    assert.equal((await t.request({ method: 'PUT', query: [['encryption', '']], body })).status, 200);
    const get = await t.request({ query: [['encryption', '']] });
    assert.match(get.text, /<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256<\/SSEAlgorithm>/);
    const secret = marker('default');
    const put = await t.request({ method: 'PUT', key: 'default/enc.txt', body: secret });
    assert.equal(put.headers['x-cos-server-side-encryption'], 'AES256');
    assert.deepEqual(await filesContaining(t.dir, secret.slice(0, 40)), []);
    assert.equal((await t.request({ method: 'DELETE', query: [['encryption', '']] })).status, 204);
    assert.match((await t.request({ query: [['encryption', '']] })).text, /NoSuchEncryptionConfiguration/);
    assert.equal((await t.request({ method: 'PUT', key: 'default/plain.txt', body: 'p' })).headers['x-cos-server-side-encryption'], undefined);
  });

  it('never inherits encryption on copy; re-encrypts as the copy request asks', async () => {
    const secret = marker('copy');
    await t.request({ method: 'PUT', key: 'copy/src.txt', body: secret, headers: { 'x-cos-server-side-encryption': 'AES256', 'x-cos-meta-a': '1' } });
    const source = `${t.bucket}.cos.ap-guangzhou.myqcloud.com/copy/src.txt`;
    // The encrypted copy first: a deleted plain copy's bytes may linger in the index's free pages and WAL.
    const encrypted = await t.request({ method: 'PUT', key: 'copy/enc.txt', headers: { 'x-cos-copy-source': `/${t.bucket}/copy/src.txt`, 'x-cos-server-side-encryption': 'AES256' } });
    assert.equal(encrypted.headers['x-cos-server-side-encryption'], 'AES256');
    assert.deepEqual(await filesContaining(t.dir, secret.slice(0, 40)), []);
    const plainCopy = await t.request({ method: 'PUT', key: 'copy/plain.txt', headers: { 'x-cos-copy-source': source } });
    assert.equal(plainCopy.status, 200, plainCopy.text);
    assert.match(plainCopy.text, /<CopyObjectResult><ETag>/);
    assert.equal(plainCopy.headers['x-cos-server-side-encryption'], undefined);
    const head = await t.request({ method: 'HEAD', key: 'copy/plain.txt' });
    assert.equal(head.headers['x-cos-server-side-encryption'], undefined);
    assert.equal(head.headers['x-cos-meta-a'], '1');
    assert.equal((await t.request({ key: 'copy/plain.txt' })).text, secret);
    assert.notDeepEqual(await filesContaining(t.dir, secret.slice(0, 40)), [], 'the unencrypted copy is plaintext at rest');
    const self = await t.request({ method: 'PUT', key: 'copy/src.txt', headers: { 'x-cos-copy-source': source } });
    assert.equal(self.status, 400);
    const replaced = await t.request({ method: 'PUT', key: 'copy/src.txt', headers: { 'x-cos-copy-source': source, 'x-cos-metadata-directive': 'Replaced', 'x-cos-meta-b': '2' } });
    assert.equal(replaced.status, 200);
    const replacedHead = await t.request({ method: 'HEAD', key: 'copy/src.txt' });
    assert.equal(replacedHead.headers['x-cos-meta-b'], '2');
    assert.equal(replacedHead.headers['x-cos-meta-a'], undefined);
    assert.equal(replacedHead.headers['x-cos-server-side-encryption'], undefined, 'in-place Replaced copy without SSE headers is stored plain');
    const failed = await t.request({ method: 'PUT', key: 'copy/cond.txt', headers: { 'x-cos-copy-source': source, 'x-cos-copy-source-if-match': '"nope"' } });
    assert.equal(failed.status, 412);
    const missing = await t.request({ method: 'PUT', key: 'copy/x.txt', headers: { 'x-cos-copy-source': `${t.bucket}.cos.ap-guangzhou.myqcloud.com/none` } });
    assert.equal(missing.status, 404);
  });

  it('SSE-C: right key reads, wrong key 403, missing key 400, key never written to disk', async () => {
    const key = randomBytes(32);
    const other = randomBytes(32);
    const secret = marker('ssec');
    const put = await t.request({ method: 'PUT', key: 'ssec/a.txt', body: secret, headers: customerKeyHeaders(key) });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers['x-cos-server-side-encryption-customer-algorithm'], 'AES256');
    assert.equal(put.headers['x-cos-server-side-encryption-customer-key-md5'], customerKeyHeaders(key)['x-cos-server-side-encryption-customer-key-md5']);
    assert.equal((await t.request({ key: 'ssec/a.txt', headers: customerKeyHeaders(key) })).text, secret);
    const wrong = await t.request({ key: 'ssec/a.txt', headers: customerKeyHeaders(other) });
    assert.equal(wrong.status, 403);
    assert.match(wrong.text, /AccessDenied/);
    assert.equal((await t.request({ key: 'ssec/a.txt' })).status, 400);
    assert.equal((await t.request({ method: 'HEAD', key: 'ssec/a.txt' })).status, 400);
    assert.equal((await t.request({ method: 'HEAD', key: 'ssec/a.txt', headers: customerKeyHeaders(key) })).status, 200);
    await t.request({ method: 'PUT', key: 'ssec/plain.txt', body: 'p' });
    assert.equal((await t.request({ key: 'ssec/plain.txt', headers: customerKeyHeaders(key) })).status, 400);
    const badMd5 = { ...customerKeyHeaders(key), 'x-cos-server-side-encryption-customer-key-md5': customerKeyHeaders(other)['x-cos-server-side-encryption-customer-key-md5']! };
    assert.equal((await t.request({ method: 'PUT', key: 'ssec/b.txt', body: 'b', headers: badMd5 })).status, 400);
    // copy: the source key is required, the destination gets its own encryption (here a new customer key)
    const source = `${t.bucket}.cos.ap-guangzhou.myqcloud.com/ssec/a.txt`;
    assert.equal((await t.request({ method: 'PUT', key: 'ssec/copy.txt', headers: { 'x-cos-copy-source': source } })).status, 400);
    const rotated = await t.request({ method: 'PUT', key: 'ssec/a.txt', headers: { 'x-cos-copy-source': source, 'x-cos-metadata-directive': 'Replaced', ...copySourceCustomerKeyHeaders(key), ...customerKeyHeaders(other) } });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((await t.request({ key: 'ssec/a.txt', headers: customerKeyHeaders(other) })).text, secret);
    assert.equal((await t.request({ key: 'ssec/a.txt', headers: customerKeyHeaders(key) })).status, 403);
    for (const needle of [key, other, Buffer.from(key.toString('base64')), Buffer.from(other.toString('base64')), Buffer.from(secret.slice(0, 40))]) {
      assert.deepEqual(await filesContaining(t.dir, needle), []);
    }
  });

  it('SSE-KMS: echoes the key id, creates the KMS key on first use, encrypts at rest', async () => {
    const secret = marker('kms');
    const put = await t.request({ method: 'PUT', key: 'kms/a.txt', body: secret, headers: { 'x-cos-server-side-encryption': 'cos/kms', 'x-cos-server-side-encryption-cos-kms-key-id': 'team-key' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers['x-cos-server-side-encryption'], 'cos/kms');
    assert.equal(put.headers['x-cos-server-side-encryption-cos-kms-key-id'], 'team-key');
    const get = await t.request({ key: 'kms/a.txt' });
    assert.equal(get.text, secret);
    assert.equal(get.headers['x-cos-server-side-encryption-cos-kms-key-id'], 'team-key');
    assert.deepEqual(await filesContaining(t.dir, secret.slice(0, 40)), []);
    const status = await t.engine.keys.status();
    assert.ok(status.some((row) => row.keyId === 'team-key' && row.objects === 1));
    const defaultKey = await t.request({ method: 'PUT', key: 'kms/b.txt', body: 'b', headers: { 'x-cos-server-side-encryption': 'cos/kms' } });
    assert.ok(defaultKey.headers['x-cos-server-side-encryption-cos-kms-key-id']);
  });

  it('anonymous: GET/HEAD only for plain objects in public-read buckets; never for encrypted objects', async () => {
    const bucket = 'public-1250000000';
    assert.equal((await t.request({ method: 'PUT', bucket, headers: { 'x-cos-acl': 'public-read' } })).status, 200);
    await t.request({ method: 'PUT', bucket, key: 'open.txt', body: 'open' });
    await t.request({ method: 'PUT', bucket, key: 'closed.txt', body: 'closed', headers: { 'x-cos-server-side-encryption': 'AES256' } });
    assert.equal((await t.request({ bucket, key: 'open.txt', anonymous: true })).text, 'open');
    assert.equal((await t.request({ method: 'HEAD', bucket, key: 'open.txt', anonymous: true })).status, 200);
    assert.equal((await t.request({ bucket, key: 'closed.txt', anonymous: true })).status, 403);
    assert.equal((await t.request({ method: 'PUT', bucket, key: 'w.txt', body: 'w', anonymous: true })).status, 403);
    assert.equal((await t.request({ bucket, anonymous: true })).status, 403);
    assert.equal((await t.request({ method: 'DELETE', bucket, key: 'open.txt', anonymous: true })).status, 403);
    assert.equal((await t.request({ key: 'at-rest/plain.txt', anonymous: true })).status, 403, 'private bucket');
    assert.equal((await t.request({ method: 'PUT', bucket, query: [['acl', '']], headers: { 'x-cos-acl': 'private' } })).status, 200);
    assert.equal((await t.request({ bucket, key: 'open.txt', anonymous: true })).status, 403);
  });
});
