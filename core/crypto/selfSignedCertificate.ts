/**
 * A self-signed X.509 v3 certificate (ECDSA P-256, SHA-256) written in DER by hand with node:crypto: no OpenSSL
 * binary (absent on users' Windows and macOS machines) and no dependency. Shaped to pass strict verifiers
 * (OpenSSL with X509_STRICT as Python 3.13 uses, Go, Node): basicConstraints CA critical, keyUsage critical,
 * serverAuth, SKI/AKI, subjectAltName with every name and address.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate and its private key, both PEM. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the DER certificate, colon-separated upper-case hex (as browsers and OpenSSL show it). */
  fingerprint: string;
  /** Expiry (ms since the Unix epoch). */
  notAfter: number;
}

/** Options of {@link createSelfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Subject common name. Default `COS Sync engine`. */
  commonName?: string;
  /** DNS names and IP addresses for subjectAltName. Default localhost, 127.0.0.1, ::1. */
  names?: string[];
  /** Validity in days from now (default 825, the longest Apple platforms accept for a TLS server certificate). */
  days?: number;
  /** Clock (ms). */
  now?: number;
}

// DER building blocks (X.690).
function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (tag: number, content: Buffer): Buffer => tlv(0xa0 | tag, content);
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bits = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps it positive). */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(text: string): Buffer {
  const [first, second, ...rest] = text.split('.').map(Number);
  const body = [40 * first! + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) chunk.unshift(0x80 | (value & 0x7f));
    body.push(...chunk);
  }
  return tlv(0x06, Buffer.from(body));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(ms: number): Buffer {
  const text = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  const year = new Date(ms).getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(text.slice(2), 'ascii')) : tlv(0x18, Buffer.from(text, 'ascii'));
}

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const normal = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const [head = '', tail = ''] = normal.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = groups(head);
  const right = normal.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return Buffer.from(all.flatMap((group: number) => [group >> 8, group & 0xff]));
}

const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));

/** Colon-separated upper-case hex SHA-256 of DER bytes. */
export function sha256Fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** Makes a new key pair and a self-signed certificate for `names` (by default localhost, 127.0.0.1 and ::1). */
export function createSelfSignedCertificate(options: SelfSignedOptions = {}): SelfSignedCertificate {
  const now = options.now ?? Date.now();
  const names = options.names ?? ['localhost', '127.0.0.1', '::1'];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The subjectPublicKey BIT STRING is the tail of the SPKI: 0x04 + X + Y (65 bytes) for P-256.
  const keyId = createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8(options.commonName ?? 'COS Sync engine'))), set(sequence(oid('2.5.4.10'), utf8('COS Sync'))));
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const altNames = sequence(...names.map((entry) => (isIP(entry) ? tlv(0x87, ipBytes(entry)) : tlv(0x82, Buffer.from(entry, 'ascii')))));
  const notAfter = now + (options.days ?? 825) * 24 * 60 * 60 * 1000;
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(time(now - 60 * 60 * 1000), time(notAfter)),
    name,
    spki,
    explicit(3, sequence(
      // Not a CA, and no keyCertSign: whoever trusts this certificate trusts this one server, not anything its key
      // could sign. Verifiers accept a self-signed end-entity certificate that is itself in their trust store.
      extension('2.5.29.19', true, sequence()),
      // digitalSignature (bit 0) only.
      extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x07, 0x80]))),
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
      extension('2.5.29.14', false, octets(keyId)),
      extension('2.5.29.35', false, sequence(tlv(0x80, keyId))),
      extension('2.5.29.17', false, altNames),
    )),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, ecdsaWithSha256, bits(signature));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  // Parse what we wrote: a mistake in the encoding fails here, not in a client's handshake.
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(publicKey)) throw new Error('The generated certificate does not verify.');
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, fingerprint: sha256Fingerprint(der), notAfter };
}
