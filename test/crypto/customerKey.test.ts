/** SSE-C header validation vectors, salted fingerprints, and data-key sealing under a customer key. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  customerKeyFingerprint,
  customerKeyMatches,
  generateCustomerKeySalt,
  generateDataKey,
  parseCustomerKey,
  sealWithCustomerKey,
  unsealWithCustomerKey,
} from '../../core/crypto/index.ts';

const KEY = 'MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY=';
const MD5 = 'U5L61r7jcwdNvT7frmUG8g==';
const context = 'bucket-1250000000/secret.bin#part=0#upload=';

describe('parseCustomerKey', () => {
  it('accepts the documented vector', () => {
    const key = parseCustomerKey('AES256', KEY, MD5);
    assert.equal(key.toString('latin1'), '0123456789ABCDEF0123456789ABCDEF');
  });

  it('accepts any random key with its MD5', () => {
    const key = randomBytes(32);
    assert.deepEqual(parseCustomerKey('AES256', key.toString('base64'), createHash('md5').update(key).digest('base64')), key);
  });

  const invalid: Array<[string, [string | undefined, string | undefined, string | undefined], RegExp]> = [
    ['a missing algorithm', [undefined, KEY, MD5], /together/],
    ['a missing key', ['AES256', undefined, MD5], /together/],
    ['a missing MD5', ['AES256', KEY, undefined], /together/],
    ['another algorithm', ['AES128', KEY, MD5], /must be AES256/],
    ['a lower-case algorithm', ['aes256', KEY, MD5], /must be AES256/],
    ['a 16-byte key', ['AES256', Buffer.alloc(16, 1).toString('base64'), createHash('md5').update(Buffer.alloc(16, 1)).digest('base64')], /256 bits/],
    ['a 33-byte key', ['AES256', Buffer.alloc(33, 1).toString('base64'), MD5], /256 bits/],
    ['non-base64 key', ['AES256', KEY.replace('M', '*'), MD5], /256 bits/],
    ['non-canonical base64 key', ['AES256', KEY.slice(0, 42) + 'Z=', MD5], /256 bits|MD5/],
    ['a wrong MD5', ['AES256', KEY, createHash('md5').update('other').digest('base64')], /does not match/],
    ['a malformed MD5', ['AES256', KEY, 'not-an-md5'], /MD5/],
    ['a hex MD5', ['AES256', KEY, createHash('md5').update(Buffer.from(KEY, 'base64')).digest('hex')], /MD5/],
  ];
  for (const [name, args, message] of invalid) {
    it(`rejects ${name} with InvalidArgument`, () => {
      assert.throws(() => parseCustomerKey(...args), (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'InvalidArgument');
        assert.match(error.message ?? '', message);
        assert.ok(!(error.message ?? '').includes(KEY), 'the message never echoes the key');
        return true;
      });
    });
  }
});

describe('customer key fingerprints and sealing', () => {
  const key = parseCustomerKey('AES256', KEY, MD5);

  it('fingerprints are salted, stable, and never contain the key', () => {
    const salt = generateCustomerKeySalt();
    const fingerprint = customerKeyFingerprint(key, salt);
    assert.equal(fingerprint, customerKeyFingerprint(key, salt));
    assert.notEqual(fingerprint, customerKeyFingerprint(key, generateCustomerKeySalt()));
    assert.equal(Buffer.from(fingerprint, 'base64').length, 32);
    assert.ok(!Buffer.from(fingerprint, 'base64').includes(key.subarray(0, 8)));
    assert.ok(customerKeyMatches(key, salt, fingerprint));
    assert.ok(!customerKeyMatches(randomBytes(32), salt, fingerprint));
    assert.ok(!customerKeyMatches(key, salt, 'AAAA'));
    assert.throws(() => customerKeyFingerprint(key, Buffer.alloc(4)), { code: 'InvalidArgument' });
  });

  it('seals and unseals a data key; wrong key, salt, context or altered text fail with KeyUnsealError', () => {
    const salt = generateCustomerKeySalt();
    const dataKey = generateDataKey();
    const sealed = sealWithCustomerKey(key, salt, dataKey, context);
    assert.match(sealed, /^c1\.[A-Za-z0-9_-]{80}$/);
    assert.deepEqual(unsealWithCustomerKey(key, salt, sealed, context), dataKey);
    assert.throws(() => unsealWithCustomerKey(randomBytes(32), salt, sealed, context), { code: 'KeyUnsealError' });
    assert.throws(() => unsealWithCustomerKey(key, generateCustomerKeySalt(), sealed, context), { code: 'KeyUnsealError' });
    assert.throws(() => unsealWithCustomerKey(key, salt, sealed, context + '2'), { code: 'KeyUnsealError' });
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[20]! ^= 1;
    assert.throws(() => unsealWithCustomerKey(key, salt, `c1.${raw.toString('base64url')}`, context), { code: 'KeyUnsealError' });
    for (const bad of ['', 'c1', 'c2.' + sealed.slice(3), sealed + '.x', 'c1.' + sealed.slice(4)]) {
      assert.throws(() => unsealWithCustomerKey(key, salt, bad, context), { code: 'KeyUnsealError' }, bad);
    }
  });

  it('the sealing key differs from the fingerprint (a stored fingerprint does not unseal)', () => {
    const salt = generateCustomerKeySalt();
    const fingerprintAsKey = Buffer.from(customerKeyFingerprint(key, salt), 'base64');
    const sealed = sealWithCustomerKey(key, salt, generateDataKey(), context);
    assert.throws(() => unsealWithCustomerKey(fingerprintAsKey, salt, sealed, context), { code: 'KeyUnsealError' });
  });
});
