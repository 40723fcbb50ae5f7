/** The hand-written X.509 certificate: parsed and verified by Node and by OpenSSL in strict mode; the DATA/tls identity is kept, renewed and checked. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { certificateNames, checkTlsPair, createSelfSignedCertificate, loadOrCreateSelfSigned } from '../../core/crypto/index.ts';

describe('self-signed certificate', () => {
  test('covers every name and address, is an end-entity for TLS servers, and its key signs it', () => {
    const made = createSelfSignedCertificate({ names: certificateNames('192.168.7.9', 'ap-guangzhou') });
    const certificate = new X509Certificate(made.cert);
    assert.equal(certificate.ca, false, 'not a CA: its key cannot vouch for other certificates');
    assert.equal(certificate.checkHost('localhost'), 'localhost');
    assert.equal(certificate.checkHost('photos-1250000000.cos.ap-guangzhou.myqcloud.com'), '*.cos.ap-guangzhou.myqcloud.com');
    assert.equal(certificate.checkHost('photos-1250000000.cos.ap-beijing.myqcloud.com'), undefined);
    for (const address of ['127.0.0.1', '::1', '192.168.7.9']) assert.equal(certificate.checkIP(address), address);
    assert.equal(certificate.checkIP('10.0.0.1'), undefined);
    assert.ok(certificate.verify(certificate.publicKey));
    assert.ok(certificate.checkPrivateKey(createPrivateKey(made.key)));
    assert.equal(made.fingerprint, certificate.fingerprint256);
    assert.ok(Math.abs(Date.parse(certificate.validTo) - Date.now() - 825 * 86_400_000) < 86_400_000);
  });

  test('OpenSSL verifies it in strict mode (as Python 3.13 and the AWS CLI do)', { skip: spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed' }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cos-sync-cert-'));
    try {
      const file = path.join(dir, 'cert.pem');
      await writeFile(file, createSelfSignedCertificate().cert);
      const verified = spawnSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', file, file], { encoding: 'utf8' });
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /: OK/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('DATA/tls: generated once (0600), kept while valid, renewed before expiry or for new names; a broken pair is replaced', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cos-sync-tls-'));
    try {
      const names = certificateNames('127.0.0.1', 'ap-guangzhou');
      const first = await loadOrCreateSelfSigned(dir, names);
      assert.equal(first.created, true);
      assert.equal((await stat(path.join(dir, 'tls', 'key.pem'))).mode & 0o777, 0o600);
      assert.equal((await stat(path.join(dir, 'tls'))).mode & 0o777, 0o700);
      const again = await loadOrCreateSelfSigned(dir, names);
      assert.deepEqual([again.created, again.fingerprint], [false, first.fingerprint]);
      const later = await loadOrCreateSelfSigned(dir, names, Date.now() + 800 * 86_400_000);
      assert.equal(later.created, true, 'renewed 30 days before it expires');
      const wider = await loadOrCreateSelfSigned(dir, certificateNames('192.168.7.9', 'ap-guangzhou'));
      assert.equal(wider.created, true, 'a certificate that lacks the bound address is replaced');
      await writeFile(path.join(dir, 'tls', 'key.pem'), createSelfSignedCertificate().key);
      const repaired = await loadOrCreateSelfSigned(dir, names);
      assert.equal(repaired.created, true);
      assert.equal(checkTlsPair(await readFile(path.join(dir, 'tls', 'cert.pem'), 'utf8'), await readFile(path.join(dir, 'tls', 'key.pem'), 'utf8')), repaired.fingerprint);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a given pair must parse and belong together', () => {
    const one = createSelfSignedCertificate();
    const other = createSelfSignedCertificate();
    assert.equal(checkTlsPair(one.cert, one.key), one.fingerprint);
    assert.throws(() => checkTlsPair(one.cert, other.key), { code: 'TlsCertificateInvalid', message: /does not belong/ });
    assert.throws(() => checkTlsPair('not a certificate', one.key), { code: 'TlsCertificateInvalid' });
  });
});
