/** A server's TLS identity: a certificate and key given as PEM, or a self-signed pair generated once into DIR/tls (0600). */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../common/errors.ts';
import { isLoopbackHost } from '../common/listenAddress.ts';
import { makePrivateDir } from '../common/privateFiles.ts';
import { writeFileAtomic } from './atomicWrite.ts';
import { createSelfSignedCertificate } from './selfSignedCertificate.ts';

/** A certificate chain and its private key (PEM) with what to tell the user. */
export interface TlsIdentity {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the server certificate (colon-separated hex). */
  fingerprint: string;
  /** The certificate file clients pass as their CA (`--ca-file`), when the engine made it. */
  certFile?: string;
  /** True when this start generated the self-signed certificate. */
  created: boolean;
}

/** Renew a generated certificate this long before it expires. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

function invalid(message: string, cause?: unknown): CosSyncError {
  return new CosSyncError('TlsCertificateInvalid', message, { hint: 'Pass a PEM certificate (chain) with --tls-cert and its PEM private key with --tls-key, or use --tls for a self-signed one.', cause });
}

/** Checks that `cert` parses and `key` belongs to it; returns the fingerprint of the first (server) certificate. */
export function checkTlsPair(cert: string, key: string): string {
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (error) {
    throw invalid('The TLS certificate is not a PEM X.509 certificate.', error);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw invalid('The TLS private key is not a PEM private key (an encrypted key is not supported).', error);
  }
  if (!parsed.checkPrivateKey(privateKey)) throw invalid('The TLS private key does not belong to the certificate.');
  return parsed.fingerprint256;
}

/**
 * Reads a PEM file of certificates to trust (a client's `--ca-file`, an account's CA file). Throws `CaFileUnreadable`
 * (retry class `auth`: the user must fix it) when it cannot be read or holds no certificate.
 */
export function readTrustedCertificates(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    // Parsing is the check: it throws unless the file starts with a PEM certificate.
    const certificate = new X509Certificate(text);
    return certificate.raw.length > 0 ? text : '';
  } catch (error) {
    throw new CosSyncError('CaFileUnreadable', `The CA file ${file} cannot be read or holds no PEM certificate.`, {
      retry: 'auth', cause: error, hint: 'Fix the CA certificate file (the account settings or --ca-file), or clear it to use the system certificates.',
    });
  }
}

/**
 * Names a generated certificate covers: localhost, 127.0.0.1 and ::1 always; `host` when it is a specific
 * non-loopback one; and with a `region`, the virtual-host names of its buckets (`*.cos.REGION.myqcloud.com`,
 * `*.cos.REGION.tencentcos.cn`), because virtual-hosted clients (the official COS SDK knows no other style) check the
 * certificate against the bucket's host name even when they connect to 127.0.0.1.
 */
export function certificateNames(host: string, region?: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (!isLoopbackHost(bare) && bare !== '0.0.0.0' && bare !== '::') names.push(bare);
  if (region) names.push(`*.cos.${region}.myqcloud.com`, `*.cos.${region}.tencentcos.cn`);
  return names;
}

/** Whether a stored certificate still covers `names` for at least {@link RENEW_BEFORE_MS}. */
function stillGood(cert: X509Certificate, names: string[], now: number): boolean {
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
  return names.every((name) => (/^[\d.]+$|:/.test(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name.replace(/^\*\./, 'bucket-1250000000.')) !== undefined));
}

/**
 * The self-signed identity in DIR/tls: reused while it is valid for 30 more days and covers `names`; otherwise a new
 * ECDSA P-256 certificate for `names` is written (directory 0700, both files 0600, atomically) and `created` is true.
 */
export async function loadOrCreateSelfSigned(dataDir: string, names: string[], now = Date.now()): Promise<TlsIdentity> {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  makePrivateDir(dir);
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const fingerprint = checkTlsPair(cert, key);
    if (stillGood(new X509Certificate(cert), names, now)) return { cert, key, fingerprint, certFile, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof CosSyncError)) throw error;
  }
  const made = createSelfSignedCertificate({ names, now });
  // The key first: a crash between the two writes leaves a pair that does not match, which the next start replaces.
  await writeFileAtomic(keyFile, made.key, 0o600);
  await writeFileAtomic(certFile, made.cert, 0o600);
  return { cert: made.cert, key: made.key, fingerprint: made.fingerprint, certFile, created: true };
}
