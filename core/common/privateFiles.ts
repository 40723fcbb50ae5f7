/** Owner-only storage whatever the umask: data folders 0700, and the files the app and the engine write 0600. */
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { CosSyncError } from './errors.ts';

/** Mode of every data folder: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file the app or the engine writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

// Windows has no group/other mode bits (ACLs decide); chmod there only toggles read-only.
const modesApply = process.platform !== 'win32';
const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/**
 * Makes `dir` a private data folder: creates it (and any missing parents) 0700, or tightens an existing one whose
 * mode lets group or others in. Throws `DataDirNotPrivate` naming the mode when that cannot be done (another owner,
 * read-only file system) and `DataDirNotDirectory` when the path is a file.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!modesApply) return;
  const info = statSync(dir);
  if (!info.isDirectory()) throw new CosSyncError('DataDirNotDirectory', `The data folder ${dir} is not a folder.`, { hint: 'Choose another data folder.' });
  if ((info.mode & 0o077) === 0) return;
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    throw new CosSyncError('DataDirNotPrivate', `The data folder ${dir} has mode ${octal(info.mode)}, so other users of this machine could read it, and it could not be made ${octal(PRIVATE_DIR_MODE)}.`, {
      hint: `Run chmod 700 "${dir}" as its owner, or choose another data folder.`,
      cause: error,
      details: { mode: octal(info.mode) },
    });
  }
}

/**
 * Makes `file` private before a library that picks its own mode (SQLite, conf) opens it: creates it empty with mode
 * 0600 when missing (without truncating an existing one), and tightens an existing one to 0600.
 */
export function makePrivateFile(file: string): void {
  const descriptor = openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    if (modesApply && (fstatSync(descriptor).mode & 0o077) !== 0) fchmodSync(descriptor, PRIVATE_FILE_MODE);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Makes the SQLite database `file` private: the file itself via {@link makePrivateFile} (SQLite takes an empty file
 * for a new database) and its `-wal`, `-shm` and `-journal` companions when they exist. SQLite creates those with the
 * mode of the database file, so a 0600 database keeps every later companion 0600 too. `:memory:` is left alone.
 */
export function makePrivateDatabase(file: string): void {
  if (file === ':memory:' || file === '') return;
  makePrivateFile(file);
  if (!modesApply) return;
  for (const suffix of ['-wal', '-shm', '-journal']) {
    let descriptor: number;
    try {
      descriptor = openSync(file + suffix, 'r');
    } catch {
      continue;
    }
    try {
      if ((fstatSync(descriptor).mode & 0o077) !== 0) fchmodSync(descriptor, PRIVATE_FILE_MODE);
    } finally {
      closeSync(descriptor);
    }
  }
}
