/** The certificates an account trusts for its endpoint: its own CA file, else the app-wide one (`--ca-file`), else the system's. */
import { readTrustedCertificates } from '../crypto/index.ts';

/**
 * Reads the PEM file for an account (`caFile`, falling back to `defaultCaFile`); undefined when neither is set, so
 * the system's trust store applies. Throws `CaFileUnreadable` when the file is unusable — never silently trusts
 * something else instead.
 */
export function trustedCertificates(caFile: string | null | undefined, defaultCaFile?: string): string | undefined {
  const file = caFile || defaultCaFile;
  return file ? readTrustedCertificates(file) : undefined;
}
