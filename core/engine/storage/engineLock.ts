/** DATA/engine.lock: an exclusive SQLite file lock held while an engine owns a data directory (released by the OS on any exit). */
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { CosSyncError } from '../../common/errors.ts';
import { makePrivateDatabase } from '../../common/privateFiles.ts';

const LOCK_FILE = 'engine.lock';
const PID_FILE = 'engine.pid';

async function ownerText(dataDir: string): Promise<string> {
  const pid = await readFile(path.join(dataDir, PID_FILE), 'utf8').catch(() => '');
  return /^\d+/.test(pid) ? `pid ${Number.parseInt(pid, 10)}` : 'another process';
}

/** True when the exclusive lock on DATA/engine.lock is free right now. */
function lockIsFree(file: string): boolean {
  makePrivateDatabase(file);
  const db = new DatabaseSync(file, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/**
 * Takes the lock: an open SQLite connection in exclusive locking mode inside an open transaction, so any other
 * engine (in this or another process) sees it busy, and a crash or `kill -9` releases it. Writes DATA/engine.pid for
 * messages. Throws `EngineAlreadyRunning` when another engine holds it. Returns the release function.
 */
export async function acquireEngineLock(dataDir: string): Promise<() => Promise<void>> {
  makePrivateDatabase(path.join(dataDir, LOCK_FILE));
  const db = new DatabaseSync(path.join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;');
  } catch (error) {
    db.close();
    throw new CosSyncError('EngineAlreadyRunning', `Another engine (${await ownerText(dataDir)}) is using ${dataDir}.`, {
      hint: 'Stop it first, or use another --data directory.', cause: error,
    });
  }
  await writeFile(path.join(dataDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await unlink(path.join(dataDir, PID_FILE)).catch(() => {});
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  };
}

/** Throws `EngineRunning` when an engine (another process, or this one) owns `dataDir`. */
export async function assertEngineStopped(dataDir: string): Promise<void> {
  const file = path.join(dataDir, LOCK_FILE);
  if (!existsSync(file) || lockIsFree(file)) return;
  throw new CosSyncError('EngineRunning', `The engine (${await ownerText(dataDir)}) is running on ${dataDir}.`, {
    hint: 'Use `cos-sync keys` (it asks the running engine), the Rotate button, or engine.keys in the running process.',
  });
}
