/** DATA/admin.json: where a running engine's local admin channel listens and the token it requires (0600, removed on close). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Name of the discovery file in the data directory. */
export const ADMIN_FILE = 'admin.json';
/** Name of the Unix socket in the data directory (POSIX). */
export const ADMIN_SOCKET = 'admin.sock';
/** Path prefix of every admin request (the protocol version). */
export const ADMIN_PREFIX = '/v1';

/** Contents of DATA/admin.json. */
export interface AdminAddress {
  /** Process that serves the channel. */
  pid: number;
  /** Unix socket path (POSIX), or undefined when the channel is a loopback TCP port. */
  socket?: string;
  /** Loopback TCP port (Windows, or a data directory whose socket path would be too long). */
  port?: number;
  /** Bearer token every request must carry. */
  token: string;
}

/** Reads DATA/admin.json; undefined when it is missing or not a channel description. */
export async function readAdminAddress(dataDir: string): Promise<AdminAddress | undefined> {
  let parsed: Partial<AdminAddress>;
  try {
    parsed = JSON.parse(await readFile(path.join(dataDir, ADMIN_FILE), 'utf8')) as Partial<AdminAddress>;
  } catch {
    return undefined;
  }
  if (typeof parsed.token !== 'string' || (typeof parsed.socket !== 'string' && typeof parsed.port !== 'number')) return undefined;
  return { pid: Number(parsed.pid), token: parsed.token, ...(typeof parsed.socket === 'string' ? { socket: parsed.socket } : { port: parsed.port! }) };
}
