/** Data-key sealing under keyring versions: bound to key id, version and context; rotation then rewrap without touching data. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Keyring, MASTER_KEY_ID, decryptBuffer, encryptBuffer, generateDataKey, parseSealedKey, rewrapDataKey, sealDataKey, unsealDataKey } from '../../core/crypto/index.ts';
import type { MasterKey, MasterKeyLookup } from '../../core/crypto/index.ts';

const context = 'bucket-1250000000/a/b.txt#part=0#upload=';
let root: string;
let keyring: Keyring;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-sealed-'));
  keyring = await Keyring.open(path.join(root, 'keys'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('sealDataKey / unsealDataKey', () => {
  it('round-trips and serialises compactly with the key id and version visible', () => {
    const dataKey = generateDataKey();
    const sealed = sealDataKey(keyring.active(), dataKey, context);
    assert.match(sealed.text, /^v1\.sse-cos\.1\.[A-Za-z0-9_-]{80}$/);
    assert.deepEqual(parseSealedKey(sealed.text), { keyId: MASTER_KEY_ID, version: 1, text: sealed.text });
    assert.deepEqual(unsealDataKey(keyring, sealed, context), dataKey);
    assert.deepEqual(unsealDataKey(keyring, sealed.text, context), dataKey);
  });

  it('uses a fresh nonce per seal', () => {
    const dataKey = generateDataKey();
    assert.notEqual(sealDataKey(keyring.active(), dataKey, context).text, sealDataKey(keyring.active(), dataKey, context).text);
  });

  it('fails with KeyUnsealError for another context, altered text, a relabelled version or key id, or a missing version', async () => {
    const dataKey = generateDataKey();
    const sealed = sealDataKey(keyring.active(), dataKey, context);
    assert.throws(() => unsealDataKey(keyring, sealed, context.replace('b.txt', 'c.txt')), { code: 'KeyUnsealError' });
    const payload = sealed.text.split('.')[3]!;
    const raw = Buffer.from(payload, 'base64url');
    for (const offset of [0, 11, 12, 43, 44, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[offset]! ^= 0x10;
      assert.throws(() => unsealDataKey(keyring, `v1.sse-cos.1.${altered.toString('base64url')}`, context), { code: 'KeyUnsealError' }, `byte ${offset}`);
    }
    await keyring.rotate();
    // Same payload claimed to be sealed by version 2: the AAD binds the version.
    assert.throws(() => unsealDataKey(keyring, `v1.sse-cos.2.${payload}`, context), { code: 'KeyUnsealError' });
    // Same payload claimed for a KMS key whose version 1 happens to hold the same bytes.
    const lookalike: MasterKeyLookup = {
      get: (version, keyId) => (keyId === 'kms-1' && version === 1 ? { id: 'kms-1', version: 1, key: keyring.get(1)!.key } : undefined),
      active: () => keyring.active(),
    };
    assert.throws(() => unsealDataKey(lookalike, `v1.kms-1.1.${payload}`, context), { code: 'KeyUnsealError' });
    assert.throws(() => unsealDataKey(keyring, `v1.sse-cos.9.${payload}`, context), { code: 'KeyUnsealError' });
    for (const bad of ['', 'v1', 'v2.sse-cos.1.' + payload, 'v1.sse-cos.0.' + payload, 'v1.sse-cos.01.' + payload, 'v1..1.' + payload, `v1.sse-cos.1.${payload}=`, `v1.sse-cos.1.${payload.slice(1)}`]) {
      assert.throws(() => unsealDataKey(keyring, bad, context), { code: 'KeyUnsealError' }, bad);
    }
  });

  it('fails under a wrong master key of the same id and version', () => {
    const dataKey = generateDataKey();
    const sealed = sealDataKey(keyring.active(), dataKey, context);
    const impostor: MasterKey = { id: MASTER_KEY_ID, version: 1, key: randomBytes(32) };
    assert.throws(() => unsealDataKey({ get: () => impostor, active: () => impostor }, sealed, context), { code: 'KeyUnsealError' });
  });

  it('seal under v1, rotate, unseal v1, rewrap to v2, remove v1: the object data still decrypts', async () => {
    const dataKey = generateDataKey();
    const plain = randomBytes(100_000);
    const stored = encryptBuffer(plain, { dataKey, context });
    const sealedV1 = sealDataKey(keyring.active(), dataKey, context);
    await keyring.rotate();
    assert.equal(parseSealedKey(sealedV1.text).version, 1);
    assert.deepEqual(unsealDataKey(keyring, sealedV1, context), dataKey, 'retired versions still unseal');
    const sealedV2 = rewrapDataKey(keyring, sealedV1, context);
    assert.equal(sealedV2.version, 2);
    assert.match(sealedV2.text, /^v1\.sse-cos\.2\./);
    assert.deepEqual(rewrapDataKey(keyring, sealedV2, context), sealedV2, 'rewrapping an up-to-date key is a no-op');
    await keyring.remove(1);
    assert.throws(() => unsealDataKey(keyring, sealedV1, context), { code: 'KeyUnsealError' });
    const recovered = unsealDataKey(keyring, sealedV2, context);
    assert.deepEqual(decryptBuffer(stored, { dataKey: recovered, context }), plain);
    assert.throws(() => rewrapDataKey(keyring, sealedV2, 'other-context'), { code: 'KeyUnsealError' });
  });

  it('seals under named KMS keys and rewraps within the same key id', async () => {
    const kms = await keyring.kmsKey('kms-42', true);
    const dataKey = generateDataKey();
    const sealed = sealDataKey(kms, dataKey, context);
    assert.match(sealed.text, /^v1\.kms-42\.1\./);
    await keyring.rotate('kms-42');
    const rewrapped = rewrapDataKey(keyring, sealed, context);
    assert.equal(rewrapped.keyId, 'kms-42');
    assert.equal(rewrapped.version, 2);
    assert.deepEqual(unsealDataKey(keyring, rewrapped, context), dataKey);
  });

  it('rejects malformed inputs to sealing', () => {
    assert.throws(() => sealDataKey(keyring.active(), randomBytes(16), context), { code: 'InvalidArgument' });
    assert.throws(() => sealDataKey(keyring.active(), randomBytes(32), ''), { code: 'InvalidArgument' });
    assert.throws(() => sealDataKey({ id: 'a.b', version: 1, key: randomBytes(32) }, randomBytes(32), context), { code: 'InvalidArgument' });
    assert.throws(() => sealDataKey({ id: 'a', version: 0, key: randomBytes(32) }, randomBytes(32), context), { code: 'InvalidArgument' });
  });
});
