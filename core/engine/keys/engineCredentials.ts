/** The engine's access key pair: given by the caller, or generated once and kept in DATA/credentials.json (0600). */
import { randomBytes } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../../common/errors.ts';
import { writeFileAtomic } from '../../crypto/index.ts';

/** A SecretId / SecretKey pair. */
export interface EngineCredentials {
  secretId: string;
  secretKey: string;
}

/** File name of the generated credentials inside the data directory. */
export const CREDENTIALS_FILE = 'credentials.json';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number): string {
  const bytes = randomBytes(length * 2);
  let text = '';
  for (let index = 0; index < bytes.length && text.length < length; index++) if (bytes[index]! < 248) text += alphabet[bytes[index]! % 62];
  return text.padEnd(length, 'A');
}

/**
 * Reads DATA/credentials.json, or generates a pair (`AKID` + 32 characters, 32-character key) and writes it
 * with mode 0600. Returns the pair and whether it was created now. Throws `CredentialsCorrupt` for an unreadable file.
 */
export async function loadOrCreateCredentials(dataDir: string): Promise<{ credentials: EngineCredentials; file: string; created: boolean }> {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed = JSON.parse(text) as Partial<EngineCredentials>;
    if (typeof parsed.secretId !== 'string' || typeof parsed.secretKey !== 'string' || !parsed.secretId || !parsed.secretKey) {
      throw new CosSyncError('CredentialsCorrupt', `${file} does not hold a secretId and secretKey.`, { hint: 'Delete the file to generate a new pair.' });
    }
    await chmod(file, 0o600);
    return { credentials: { secretId: parsed.secretId, secretKey: parsed.secretKey }, file, created: false };
  }
  const credentials = { secretId: `AKID${randomText(32)}`, secretKey: randomText(32) };
  await writeFileAtomic(file, JSON.stringify(credentials, null, 2) + '\n', 0o600);
  return { credentials, file, created: true };
}
