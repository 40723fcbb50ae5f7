/** Command-line TLS options: serving (`--tls`, `--tls-cert`/`--tls-key`) and trusting (`--ca-file`). */
import { readFileSync } from 'node:fs';
// The module itself, not the crypto barrel: every command parses these options, and the barrel loads the whole engine crypto.
import { checkTlsPair, readTrustedCertificates } from '../crypto/tlsIdentity.ts';
import { UsageError } from './arguments.ts';

/** parseArgs specs of the serving options. */
export const serveTlsOptionSpec = {
  tls: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

/** Help lines of the serving options, the option column `width` wide; `folder` names where --tls keeps its files. */
export function serveTlsOptionHelp(width: number, folder: string): string {
  const line = (option: string, text: string): string => `  ${option.padEnd(width)}${text}`;
  return [
    line('--tls', `serve HTTPS with a self-signed certificate made once into ${folder}/tls (cert.pem; key.pem 0600)`),
    line('', 'for localhost, 127.0.0.1 and ::1; its SHA-256 fingerprint is printed'),
    line('--tls-cert FILE', 'serve HTTPS with this PEM certificate (chain) ...'),
    line('--tls-key FILE', '... and this PEM private key'),
  ].join('\n');
}

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/** The TLS choice of `--tls` / `--tls-cert` + `--tls-key` (files read and checked to belong together now), or undefined for plain HTTP. */
export function parseServeTls(values: Record<string, unknown>): 'self-signed' | { cert: string; key: string } | undefined {
  const certFile = values['tls-cert'] as string | undefined;
  const keyFile = values['tls-key'] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together.');
  if (values.tls && certFile !== undefined) throw new UsageError('Use either --tls (self-signed) or --tls-cert/--tls-key, not both.');
  if (values.tls) return 'self-signed';
  if (certFile === undefined || keyFile === undefined) return undefined;
  const pair = { cert: readText(certFile, 'tls-cert'), key: readText(keyFile, 'tls-key') };
  try {
    checkTlsPair(pair.cert, pair.key);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (--tls-cert ${certFile}, --tls-key ${keyFile})`);
  }
  return pair;
}

/** Reads `--ca-file`: PEM certificates to trust instead of the system's (a UsageError when unreadable or not PEM). */
export function readCaFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readTrustedCertificates(file);
  } catch (error) {
    throw new UsageError(`--ca-file: ${(error as Error).message}`);
  }
}
